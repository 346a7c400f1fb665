"""The static mirror against the live server, and how long the mirror takes to build.

Generates a local Granicus site of N meetings (500 by default), scrapes and matches it, builds
the mirror (`build-static`, timed: target under 60 s for 500 meetings), then serves the mirror
with Debian's nginx (started here on 127.0.0.1 with its own config in a temp dir) and the
record with `python run.py` (waitress), and puts 32 keep-alive clients on the overview and a
commitment page of each. Prints requests/s, p50 and p99, and mirror/live as a ratio.
Usage: python bench/mirror_bench.py [--meetings 500] [--seconds 5] [--clients 32]
"""

from __future__ import annotations

import argparse
import http.client
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scrape_bench import build_meetings, quiet  # noqa: E402
from web_bench import free_port, load, serving  # noqa: E402

NGINX = "/usr/sbin/nginx"
URLS = {"overview": "/", "commitment page": "/commitments/language-access"}


def record(data: Path, meetings: int) -> None:
    """Scrape and match a generated site of `meetings` meetings into `data`."""
    from pytest_httpserver import HTTPServer

    from tests.granicus_site import GranicusSite, listing_html
    from tests.places import COMMITMENTS_FILE, birmingham_at
    from tracker.config import Settings
    from tracker.db import open_db
    from tracker.evidence import match_all
    from tracker.scrape import scrape

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        plan = build_meetings(meetings)
        site = GranicusSite(server, listing_html(plan))
        for m in plan:
            site.add_meeting(m)
        place = birmingham_at(data.parent / "place", site.base_url)
        settings = Settings(data_dir=data, jurisdiction_file=place, request_delay=0)
        db = open_db(settings.db_path)
        t0 = time.perf_counter()
        scrape(db, settings, progress=False)
        match_all(db, COMMITMENTS_FILE)
        db.conn.close()
        print(f"scraped and matched {meetings} meetings in {time.perf_counter() - t0:.1f} s")
    finally:
        server.stop()


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the build's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def wait_for(port: int) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on port {port}")


def nginx_config(tmp: Path, root: Path, port: int) -> Path:
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must read the temp dir
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes auto;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    types {{ application/vnd.sqlite3 db; }}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{
            try_files $uri $uri.html $uri.json $uri/index.html $uri/index.json =404;
        }}
    }}
}}
"""
    )
    return conf


def measure(port: int, clients: int, seconds: float) -> dict[str, tuple[float, float, float]]:
    out = {}
    for name, path in URLS.items():
        load(port, path, 1, 0.3)  # warm up
        count, lat = load(port, path, clients, seconds)
        out[name] = (
            count / seconds,
            statistics.median(lat) * 1000,
            statistics.quantiles(lat, n=100)[98] * 1000,
        )
    return out


def main() -> None:
    quiet()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    if not Path(NGINX).exists():
        raise SystemExit(f"{NGINX} is not installed (apt-get install nginx-light)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "data"
        record(data, args.meetings)
        from tracker.config import Settings
        from tracker.web.mirror import build_and_report

        settings = Settings(data_dir=data, request_delay=0, scheduler=False)
        site = tmp / "site"
        workers = os.cpu_count() or 1
        before = cpu_seconds()
        report = build_and_report(settings, site, workers)
        cpu = cpu_seconds() - before
        verdict = "under" if report.seconds < 60 else "OVER"
        print(
            f"mirror of {args.meetings} meetings: {report.files} files, "
            f"{report.bytes / 2**20:.0f} MB in {report.seconds:.1f} s wall with {workers} "
            f"workers ({verdict} the 60 s target); {cpu:.1f} s of CPU in all "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
            + (f", {len(report.failed)} failed" if report.failed else "")
        )
        nginx_port = free_port()
        conf = nginx_config(tmp, site, nginx_port)
        nginx = subprocess.Popen(
            [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(nginx_port)
            with serving(data) as (live_port, _pid):
                print(f"{args.clients} clients, {args.seconds:.0f} s per URL")
                mirror = measure(nginx_port, args.clients, args.seconds)
                served = measure(live_port, args.clients, args.seconds)
            for name in URLS:
                (m_rps, m50, m99), (l_rps, l50, l99) = mirror[name], served[name]
                print(
                    f"{name:16s} mirror (nginx) {m_rps:7.0f} req/s p50 {m50:5.1f} ms "
                    f"p99 {m99:6.1f} ms | live (run.py) {l_rps:6.0f} req/s p50 {l50:5.1f} ms "
                    f"p99 {l99:6.1f} ms | ratio {m_rps / l_rps:5.2f}x req/s, "
                    f"p99 {l99 / m99:5.2f}x lower"
                )
        finally:
            nginx.terminate()
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
            shutil.rmtree(site, ignore_errors=True)


if __name__ == "__main__":
    main()
