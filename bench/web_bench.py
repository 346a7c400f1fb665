"""Throughput and latency of the pages `python run.py` serves, beside a static file.

Starts the real server (`python run.py`, waitress) on a scraped demo database in a subprocess,
then 32 concurrent keep-alive clients request each URL for a fixed time. Prints requests/s,
p50 and p99 latency, and each page's throughput as a ratio of the static file's (target >= 0.5).
Usage: python bench/web_bench.py [--seconds 5] [--clients 32]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(data_dir: Path, **env_extra: str):
    """`python run.py` (waitress, 8 threads, no scheduler) on data_dir; yields (port, pid)."""
    port = free_port()
    env = {
        **os.environ,
        "TRACKER_DATA_DIR": str(data_dir),
        "TRACKER_PORT": str(port),
        "TRACKER_SCHEDULER": "off",
        **env_extra,
    }
    server = subprocess.Popen(
        [sys.executable, "run.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                get(port, "/", 2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"python run.py does not answer on port {port}")
        yield port, server.pid
    finally:
        server.terminate()
        server.wait()


def get(port: int, path: str, timeout: float = 30) -> tuple[int, float]:
    """One GET: its status and how long it took, in seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def demo_data(data_dir: Path) -> None:
    """A database with scraped meetings and matched evidence (the fake Granicus site)."""
    import logging

    from pytest_httpserver import HTTPServer

    from tests.granicus_site import fixture_site
    from tests.places import COMMITMENTS_FILE, birmingham_at
    from tracker.config import Settings
    from tracker.db import open_db
    from tracker.evidence import match_all
    from tracker.scrape import scrape

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        site = fixture_site(server)
        place = birmingham_at(data_dir.parent / "place", site.base_url)
        settings = Settings(data_dir=data_dir, jurisdiction_file=place, request_delay=0)
        db = open_db(settings.db_path)
        scrape(db, settings, progress=False)
        match_all(db, COMMITMENTS_FILE)
        db.conn.close()
    finally:
        server.stop()


def load(port: int, path: str, clients: int, seconds: float) -> tuple[int, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}")
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        demo_data(data)
        with serving(data) as (port, _pid):
            urls = {
                "static file": "/static/style.css",
                "overview": "/",
                "commitment page": "/commitments/police-not-immigration-agents",
                "commitment (es)": "/es/commitments/language-access",
            }
            for path in urls.values():  # warm up: first render fills the page cache
                load(port, path, 1, 0.3)
            print(
                f"{args.clients} clients, {args.seconds:.0f} s per URL, server: python run.py "
                "(waitress, 8 threads)"
            )
            baseline = None
            for name, path in urls.items():
                count, lat = load(port, path, args.clients, args.seconds)
                rps = count / args.seconds
                baseline = baseline or rps
                p50 = statistics.median(lat) * 1000
                p99 = statistics.quantiles(lat, n=100)[98] * 1000
                print(
                    f"{name:16s} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                    f"ratio to static {rps / baseline:4.2f}"
                )


if __name__ == "__main__":
    main()
