"""The command line: `python run.py [COMMAND]`; with no command it serves the site."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .config import Settings
from .errors import TrackerError
from .vocab import EDITOR_STATUSES, Outcome, Reason, ReviewState, Stance

logger = logging.getLogger(__name__)


# SQLite's own words when the disk (or the database's quota) is full.
_DISK_FULL = ("database or disk is full", "disk i/o error")
# ... and when tracker.db is some other file, or was damaged.
_NOT_A_DATABASE = ("file is not a database", "database disk image is malformed")


class Whole(click.IntRange):
    """A whole number in a range ("'abc' is not a valid whole number", not "integer range")."""

    name = "whole number"


# The largest id SQLite stores: a larger one is a usage error, not an OverflowError traceback.
ROW_ID = Whole(1, 2**63 - 1)


def _one_line(exc: click.UsageError) -> click.UsageError:
    """Click's usage errors print usage, a hint and a blank line; we print one line with the
    hint in it, like every other error of the command line."""
    if exc.ctx is None:
        return exc
    message = " ".join(exc.format_message().split())
    short = click.UsageError(f"{message} (see '{exc.ctx.command_path} --help')")
    short.exit_code = exc.exit_code
    return short


class Group(click.Group):
    """Turns every TrackerError, usage error and failed write into one line on stderr and a
    non-zero exit code, never a traceback."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:  # an unknown option of `python run.py` itself
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context):
        import sqlite3

        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # of a subcommand, at any depth
            raise _one_line(exc) from None
        except TrackerError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            text = str(exc).lower()
            if text.startswith(_DISK_FULL):
                where = settings().data_dir
                raise click.ClickException(f"cannot write the database in {where}: {exc}") from None
            if text.startswith(_NOT_A_DATABASE):
                raise click.ClickException(
                    f"{settings().db_path}: {exc} (restore it from a backup)"
                ) from None
            raise
        except UnicodeDecodeError as exc:  # a file given to a command (match-text) in Latin-1
            raise click.ClickException(f"the input is not UTF-8 text ({exc.reason})") from None
        except OSError as exc:  # a folder we cannot write, a full disk, a file gone
            if exc.errno is None:
                raise
            where = f": {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"{exc.strerror}{where}") from None


def settings() -> Settings:
    return (
        click.get_current_context().ensure_object(dict).setdefault("settings", Settings.from_env())
    )


def open_database():
    from .catalog import ensure_loaded
    from .db import open_db

    s = settings()
    db = open_db(s.db_path)
    ensure_loaded(db, s.place.catalogue, s.place.curated)
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
    # Retries are reported once per fetch by scrapers.http; the libraries' own lines are noise.
    for noisy, level in (
        ("urllib3", logging.ERROR),
        ("apscheduler", logging.WARNING),
        ("waitress.queue", logging.WARNING),
        ("pypdf", logging.WARNING),
    ):
        logging.getLogger(noisy).setLevel(level)
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default TRACKER_HOST).")
@click.option("--port", default=None, type=Whole(1, 65535), help="Port (default TRACKER_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the public site with waitress."""
    from waitress import serve as waitress_serve

    from .web import create_app

    s = settings()
    app = create_app({"SETTINGS": s})
    host, port = host or s.host, port or s.port
    scheduler = None
    if s.scheduler:  # one process runs the scheduler: this one (see `worker` for others)
        from .scheduler import build, catch_up

        scheduler = build(s)
        scheduler.start()
        catch_up(scheduler, s)
    click.echo(f"Serving the tracker on http://{host}:{port}/ (data in {s.data_dir})")
    try:
        waitress_serve(app, host=host, port=port, threads=8)
    except OSError as exc:  # a busy port, an address this machine does not have
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@main.command()
def worker() -> None:
    """Run the scheduled scrapes alone (when the site is served by several processes)."""
    from .scheduler import build, catch_up

    s = settings()
    open_database().conn.close()  # migrate and load the catalogue before the first job
    scheduler = build(s, blocking=True)
    catch_up(scheduler, s)
    click.echo("Scheduler running; Ctrl-C stops it.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@main.command()
def schedule() -> None:
    """Print the scheduled jobs and their next run times."""
    from datetime import datetime

    from .scheduler import jobs, last_success, missed, next_fire

    s = settings()
    now = datetime.now(s.tz)
    db = open_database()
    for job in jobs(s):
        nxt = next_fire(job, now)
        click.echo(f"{job.name:<12} {job.cron:<16} next {nxt:%a %Y-%m-%d %H:%M %Z}")
    done = last_success(db, upcoming_only=True)
    click.echo(f"last successful scrape: {done.isoformat() if done else 'never'}")
    due = missed(db, s, now)
    if due:
        click.echo(f"missed: the {due.name} scrape; it runs when the server or worker starts")


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
def backup(out_dir: Path) -> None:
    """Write consistent copies of the databases (the desk's and the alerts' too) and a manifest
    of the archive to OUT_DIR."""
    from .backup import backup as do_backup

    open_database().conn.close()
    result = do_backup(settings(), out_dir)
    click.echo(f"database: {result['database']}")
    for path in result["private"]:
        click.echo(f"not for publishing: {path}")
    click.echo(
        f"archive manifest: {result['manifest']} ({result['files']} files, {result['bytes']} bytes)"
    )
    if result["mismatched"]:
        click.echo(
            f"warning: {len(result['mismatched'])} archive files do not match their names' SHA-256",
            err=True,
        )
        raise SystemExit(1)


@main.command("load-curated")
def load_curated() -> None:
    """Load the jurisdiction's catalogue and curated history into the database (idempotent)."""
    from .catalog import sync

    place = settings().place
    added = sync(open_database(), place.catalogue, place.curated)
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
    from .status import today

    try:
        counts = do_export(open_database(), out_dir, today(settings().tz))
    except OSError as exc:
        raise click.ClickException(f"cannot write {out_dir}: {exc.strerror}") from None
    for name, count in counts.items():
        click.echo(f"{out_dir / name}.json / .csv: {count} rows")


@main.command("build-static")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes rendering pages (default: one per CPU).",
)
def build_static(out_dir: Path, workers: int | None) -> None:
    """Write the static mirror (every public page in both languages, feeds, calendars, CSVs,
    the database and the API's JSON) to OUT_DIR, for any static host or CDN."""
    from .web.mirror import build_and_report

    open_database().conn.close()
    import os

    report = build_and_report(settings(), out_dir, workers or os.cpu_count() or 1)
    click.echo(
        f"{out_dir}: {report.files} files, {report.bytes / 2**20:.1f} MB in {report.seconds:.1f} s"
    )
    for route in report.skipped_routes:
        click.echo(f"warning: not mirrored (no values for its arguments): {route}", err=True)
    for url, status in report.broken:
        click.echo(f"warning: a page links to {url}, which answers HTTP {status}", err=True)
    if report.failed:
        url, status = report.failed[0]
        raise click.ClickException(f"{len(report.failed)} URLs failed, first {url} (HTTP {status})")


def _report(run, stop: bool = True) -> None:
    """Print a run's figures and errors; a run that did not fully succeed exits non-zero."""
    click.echo(
        f"{run.kind}{' ' + run.source_id if run.source_id else ''} {run.outcome}: "
        f"{run.meetings_seen} meetings, {run.new_documents} new and "
        f"{run.changed_documents} changed documents, {run.requests} requests, "
        f"{run.bytes} bytes, {len(run.errors)} errors (run {run.id})"
    )
    if run.message and run.outcome != "ok":
        click.echo(f"  {run.message}", err=True)
    for err in run.errors:
        click.echo(f"  error: {err['url'] or run.source_id}: {err['reason']}", err=True)
    if stop and run.outcome != Outcome.OK:
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
    "source_id",
    default=None,
    help="Only this source (an id from the jurisdiction file); default all of them.",
)
@click.option("--refresh", is_flag=True, help="Re-check documents of past meetings too.")
def scrape(since, source_id: str | None, refresh: bool) -> None:
    """Fetch meetings and documents, archive them, then process and match what is new."""
    from .pipeline import update

    s = settings()
    if source_id and s.place.source(source_id) is None:
        known = ", ".join(c.id for c in s.place.sources)
        raise click.BadParameter(
            f"{source_id!r} is not a source (known: {known})", param_hint="--source"
        )
    runs, matched = update(
        open_database(), s, since=since.date() if since else None, refresh=refresh, only=source_id
    )
    if matched is not None:
        click.echo(f"match {matched.outcome}: {matched.message}")
    for run in runs:
        _report(run, stop=False)
    if any(run.outcome != Outcome.OK for run in runs):
        raise SystemExit(1)


@main.command()
@click.option("--pending", is_flag=True, help="Only documents not yet processed.")
def process(pending: bool) -> None:
    """Re-extract and re-parse every archived document (no network)."""
    from .pipeline import pipeline_lock
    from .process import process_documents

    with pipeline_lock(settings()):
        _report(process_documents(open_database(), settings(), only_pending=pending))


def _who(_ctx, _param, value: str | None) -> str:
    # The name published beside the decision: never the Unix login, which is nobody's byline.
    who = (value or settings().editor).strip()
    if not who:
        raise click.BadParameter("say who decides (published beside it), or set TRACKER_EDITOR")
    return who


WHO = click.option(
    "--who",
    default=None,
    callback=_who,
    help="Who makes this decision, as the public pages show it (default TRACKER_EDITOR).",
)
DATE = click.DateTime(formats=["%Y-%m-%d"])


@main.command()
def match() -> None:
    """Re-run matching over everything stored (keeps review decisions; idempotent)."""
    from .evidence import match_run
    from .pipeline import pipeline_lock

    with pipeline_lock(settings()):
        run = match_run(open_database(), settings())
    click.echo(f"match {run.outcome}: {run.message}")
    if run.outcome != "ok":
        raise SystemExit(1)


@main.command("match-text")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
def match_text(file) -> None:
    """Match JSON Lines ({"id", "text"}) from FILE or stdin; one JSON line of proposals each."""
    from .catalog import load_commitments
    from .errors import InputError
    from .match_text import match_lines
    from .matching import Matcher
    from .topics import Screener

    commitments = load_commitments(settings().place.catalogue)
    matcher, screener = Matcher.from_commitments(commitments), Screener.shipped(commitments)
    with click.open_file("-", "w", encoding="utf-8") as out:  # stdout, UTF-8 on any locale
        count, errors = match_lines(matcher, screener, file, out)
    if errors:
        raise InputError(f"{len(errors)} of {count} lines unreadable; first: {errors[0]}")


@main.group()
def review() -> None:
    """List, show, accept or reject evidence the matcher proposed."""


@review.command("list")
@click.option("--commitment", "commitment_id", default=None, help="Only this commitment.")
@click.option(
    "--state",
    type=click.Choice([*(s.value for s in ReviewState), "all"]),
    default="candidate",
    show_default=True,
    help="Review state to list.",
)
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(1, 1000), help="Rows per page."
)
@click.option("--page", default=1, show_default=True, type=Whole(1, 10**6), help="Which page.")
def review_list(commitment_id: str | None, state: str, limit: int, page: int) -> None:
    """List evidence, highest score first."""
    from .evidence import review_queue

    rows, total = review_queue(
        open_database(),
        commitment_id=commitment_id,
        state=None if state == "all" else state,
        limit=limit,
        offset=(page - 1) * limit,
    )
    if not rows:
        click.echo("nothing to review")
        return
    click.echo(f"{'id':>6}  {'commitment':<30} {'stance':<9} {'score':>5} {'date':<10}  passage")
    for r in rows:
        snippet = " ".join((r["snippet"] or "").split())[:90]
        click.echo(
            f"{r['id']:>6}  {r['commitment_id']:<30} {r['stance']:<9} {r['score'] or 0:>5.1f} "
            f"{r['date'] or '':<10}  {snippet}"
        )
    pages = -(-total // limit)
    more = f"; next: --page {page + 1}" if page < pages else ""
    click.echo(f"page {page} of {pages} ({total} in all{more})")


@review.command("show")
@click.argument("evidence_id", type=ROW_ID)
def review_show(evidence_id: int) -> None:
    """Show one piece of evidence: passage, why it matched, where it comes from."""
    import json

    from .evidence import get

    r = get(open_database(), evidence_id)
    why = json.loads(r["why"] or "{}")
    for label, value in (
        ("id", r["id"]),
        ("commitment", r["commitment_id"]),
        ("state", r["review_state"]),
        ("stance", r["stance"]),
        ("score", r["score"]),
        ("date", r["date"]),
        ("title", r["title"]),
        ("source", r["source_url"]),
        ("sha256", r["document_sha256"]),
        ("page", r["page"]),
        ("item", r["item_number"]),
        ("outcome", r["outcome"]),
        ("minutes page", r["minutes_page"]),
        ("minutes sha256", r["minutes_document_sha256"]),
        ("matched terms", ", ".join(why.get("terms", []))),
        ("rules", "; ".join(why.get("rules", []))),
        ("reviewer", r["reviewer"]),
        ("review note", r["review_note"]),
    ):
        if value not in (None, ""):
            click.echo(f"{label:>13}: {value}")
    click.echo("")
    click.echo(r["snippet"] or "")
    if r["minutes_snippet"]:
        click.echo("")
        click.echo(f"minutes: {r['minutes_snippet']}")


def _review(evidence_id: int, decision: str, note: str, who: str, stance: str | None) -> None:
    from .evidence import review as do_review

    row = do_review(open_database(), evidence_id, decision, who=who, note=note, stance=stance)
    click.echo(
        f"evidence {row['id']} {row['review_state']} ({row['commitment_id']}, {row['stance']})"
    )


NOTE = click.option("--note", required=True, help="Why: shown beside the decision.")
STANCE = click.option(
    "--stance",
    type=click.Choice([s.value for s in Stance]),
    default=None,
    help="Correct the stance while reviewing.",
)


@review.command("accept")
@click.argument("evidence_id", type=ROW_ID)
@NOTE
@STANCE
@WHO
def review_accept(evidence_id: int, note: str, stance: str | None, who: str) -> None:
    """Accept a candidate as evidence (it then counts as recorded action)."""
    _review(evidence_id, "accepted", note, who, stance)


@review.command("reject")
@click.argument("evidence_id", type=ROW_ID)
@NOTE
@WHO
def review_reject(evidence_id: int, note: str, who: str) -> None:
    """Reject a candidate; re-matching will never propose it again."""
    _review(evidence_id, "rejected", note, who, None)


@main.group()
def status() -> None:
    """Record status changes (append-only events)."""


@status.command("set")
@click.argument("commitment_id")
@click.argument(
    "new_status",
    metavar="STATUS",
    type=click.Choice([s.value for s in EDITOR_STATUSES]),
)
@click.option("--date", "day", type=DATE, required=True, help="Effective date (YYYY-MM-DD).")
@click.option(
    "--evidence",
    "evidence_ids",
    type=ROW_ID,
    multiple=True,
    help="Evidence id this rests on (repeat); required for kept, partial, broken.",
)
@NOTE
@click.option("--note-es", default=None, help="The note in Spanish.")
@click.option(
    "--reason",
    type=click.Choice([r.value for r in Reason]),
    default=None,
    help="Reason code.",
)
@WHO
def status_set(commitment_id, new_status, day, evidence_ids, note, note_es, reason, who) -> None:
    """Record that COMMITMENT_ID has STATUS from --date on."""
    from .desk import publish_status
    from .status import today

    if day.date() > today(settings().tz):
        raise click.BadParameter(f"{day.date()} is in the future", param_hint="--date")
    db = open_database()
    event_id = publish_status(  # the desk's own function: same checks, same audit log row
        db,
        settings().tz,
        commitment_id=commitment_id,
        status=new_status,
        day=day.date(),
        note=note,
        who=who,
        evidence_ids=list(evidence_ids),
        reason=reason,
        note_es=note_es,
    )
    click.echo(f"status event {event_id}: {commitment_id} {new_status} from {day.date()}")


@main.command("add-evidence")
@click.option("--commitment", "commitment_id", required=True, help="Commitment id.")
@click.option("--url", required=True, help="Where the document was obtained or published.")
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A copy of the document to archive (PDF, HTML, DOCX).",
)
@click.option("--date", "day", type=DATE, required=True, help="Date of the event (YYYY-MM-DD).")
@NOTE
@click.option("--title", default=None, help="A short title (defaults to the note).")
@click.option(
    "--stance",
    type=click.Choice([s.value for s in Stance]),
    required=True,
    help="For the promise, against it, or context (asked: a records request is rarely 'for').",
)
@WHO
def add_evidence(commitment_id, url, file, day, note, title, stance, who) -> None:
    """Archive a document obtained elsewhere and record it as accepted evidence."""
    from .evidence import add_manual

    evidence_id = add_manual(
        open_database(),
        settings(),
        commitment_id=commitment_id,
        url=url,
        day=day.date(),
        note=note,
        who=who,
        stance=stance,
        title=title,
        file=file,
    )
    click.echo(f"evidence {evidence_id} added to {commitment_id}")


@main.group()
def user() -> None:
    """Editors' accounts for the web desk (kept in data/desk.db, never in tracker.db)."""


def _desk():
    from .desk_db import connect

    return connect(settings().desk_db_path)


def _password(confirm: bool = True) -> str:
    """From a prompt (twice, hidden) on a terminal; else one line on stdin."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return sys.stdin.readline().rstrip("\n")


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["editor", "admin"]),
    default="editor",
    show_default=True,
    help="An admin also sees the accounts page.",
)
@click.option("--display-name", required=True, help="Shown to the public beside decisions.")
def user_add(name: str, role: str, display_name: str) -> None:
    """Add an account; the password is asked (or read from stdin)."""
    from .desk_db import add_user

    made = add_user(_desk(), name, _password(), role=role, display_name=display_name)
    click.echo(f"user {made.name} ({made.role}) added, shown as {made.display_name!r}")


@user.command("list")
def user_list() -> None:
    """Every account, its role and whether it is disabled."""
    from .desk_db import list_users

    for u in list_users(_desk()):
        state = "disabled" if u.disabled else "active"
        click.echo(f"{u.name}\t{u.role}\t{state}\t{u.display_name}")


@user.command("disable")
@click.argument("name")
def user_disable(name: str) -> None:
    """Disable an account; its open sessions end at once."""
    from .desk_db import disable_user

    disable_user(_desk(), name)
    click.echo(f"user {name} disabled")


@user.command("passwd")
@click.argument("name")
def user_passwd(name: str) -> None:
    """Set a new password (re-enables a disabled account); open sessions end."""
    from .desk_db import set_password

    set_password(_desk(), name, _password())
    click.echo(f"password of {name} changed")


@main.group()
def alerts() -> None:
    """Email alerts: send what is due now, or list subscriptions and the outbox."""


@alerts.command("send")
def alerts_send() -> None:
    """Queue the alerts due now and send the outbox (the scheduler does this by itself)."""
    from .alerts import run as run_alerts

    s = settings()
    if not s.smtp_url:
        raise click.ClickException("TRACKER_SMTP_URL is not set: no mail server to send through")
    open_database().conn.close()  # migrated and loaded, as every command leaves it
    queued, sent = run_alerts(s)
    click.echo(
        f"{queued} queued, {sent.sent} sent, {sent.deferred} deferred, {sent.failed} failed"
        + (f" (last error: {sent.error})" if sent.error else "")
    )


@alerts.command("list")
def alerts_list() -> None:
    """Subscriptions by state and the outbox by state (no addresses are printed)."""
    from .outbox import summary
    from .subscribers import connect, counts

    conn = connect(settings().alerts_db_path)
    try:
        people, messages = counts(conn), summary(conn)
    finally:
        conn.close()
    for state in ("pending", "confirmed", "unsubscribed"):
        click.echo(f"subscriptions {state}: {people.get(state, 0)}")
    for state in ("pending", "sending", "sent", "failed", "dropped"):
        click.echo(f"messages {state}: {messages.get(state, 0)}")


def run() -> None:
    """Entry point for run.py."""
    main(prog_name="python run.py")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
