"""The command line: `python run.py [COMMAND]`; with no command it serves the site."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .config import Settings
from .errors import TrackerError

logger = logging.getLogger(__name__)


class Group(click.Group):
    """Turns every TrackerError into one line on stderr and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            raise click.ClickException(str(exc)) from None


def settings() -> Settings:
    return (
        click.get_current_context().ensure_object(dict).setdefault("settings", Settings.from_env())
    )


def open_database():
    from .catalog import ensure_loaded
    from .db import open_db

    db = open_db(settings().db_path)
    ensure_loaded(db)
    return db


@click.group(cls=Group, invoke_without_command=True)
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Birmingham sanctuary promise tracker.

    With no command: serve the site on TRACKER_HOST:TRACKER_PORT (127.0.0.1:5000).
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("urllib3", "waitress.queue", "pypdf"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default TRACKER_HOST).")
@click.option("--port", default=None, type=int, help="Port (default TRACKER_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the public site with waitress."""
    from waitress import serve as waitress_serve

    from . import create_app

    s = settings()
    app = create_app({"SETTINGS": s})
    host, port = host or s.host, port or s.port
    click.echo(f"Serving the tracker on http://{host}:{port}/ (data in {s.data_dir})")
    waitress_serve(app, host=host, port=port, threads=8)


@main.command("load-curated")
def load_curated() -> None:
    """Load data/commitments.yaml and data/curated_events.yaml into the database (idempotent)."""
    from .catalog import sync

    added = sync(open_database())
    click.echo(
        f"Loaded the catalogue: {added['evidence']} new curated evidence, "
        f"{added['status_events']} new status events."
    )
    for key in added["changed_statuses"]:
        click.echo(
            f"warning: curated status {key} changed in the YAML, but status events are "
            "append-only: add a new entry with a new key to record the change.",
            err=True,
        )


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("export"),
    show_default=True,
    help="Directory to write the JSON and CSV files to.",
)
def export(out_dir: Path) -> None:
    """Write the open data (commitments, status events, evidence, meetings, items)."""
    from .export import export as do_export

    counts = do_export(open_database(), out_dir)
    for name, count in counts.items():
        click.echo(f"{out_dir / name}.json / .csv: {count} rows")


def _report(run) -> None:
    """Print a run's figures and errors; a run that did not fully succeed exits non-zero."""
    click.echo(
        f"{run.kind} {run.outcome}: {run.meetings_seen} meetings, {run.new_documents} new and "
        f"{run.changed_documents} changed documents, {run.requests} requests, "
        f"{run.bytes} bytes, {len(run.errors)} errors (run {run.id})"
    )
    if run.message and run.outcome != "ok":
        click.echo(f"  {run.message}", err=True)
    for err in run.errors:
        click.echo(f"  error: {err['url']}: {err['reason']}", err=True)
    if run.outcome != "ok":
        raise SystemExit(1)


@main.command()
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only fetch documents of meetings on or after this date (YYYY-MM-DD).",
)
@click.option(
    "--source",
    type=click.Choice(["granicus"]),
    default="granicus",
    show_default=True,
    help="Which site to scrape.",
)
@click.option("--refresh", is_flag=True, help="Re-check documents of past meetings too.")
def scrape(since, source: str, refresh: bool) -> None:
    """Fetch meetings and documents, archive them, then process and match what is new."""
    from .scrape import scrape as do_scrape

    run = do_scrape(
        open_database(), settings(), since=since.date() if since else None, refresh=refresh
    )
    _report(run)


@main.command()
@click.option("--pending", is_flag=True, help="Only documents not yet processed.")
def process(pending: bool) -> None:
    """Re-extract and re-parse every archived document (no network)."""
    from .process import process_documents

    _report(process_documents(open_database(), settings(), only_pending=pending))


def run() -> None:
    """Entry point for run.py."""
    main(prog_name="python run.py")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
