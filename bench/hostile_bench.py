"""What hostile input costs the tracker, measured (issue 15): prints figures, asserts nothing.

1. extraction: memory and time of a deflate bomb and a 20,000-page PDF, read the old way (in
   one process, no caps; run here in a throwaway process under a 2.5 GB address-space limit, so
   that the machine survives it) and our way (`tracker.extract.extract`: a bounded child);
2. search: latency of other pages (a static file, the overview, the meetings list) idle and
   while 8 clients run 3,000-word searches, and the ratio;
3. cache: the server's memory (RSS) after 1,000 distinct query strings on a document page, and
   after 1,000 distinct searches;
4. load: 32 clients on the real server while `python run.py scrape` fetches, processes and
   matches a generated site: requests, errors, p50 and p99.

The server is the real one (`python run.py`, waitress) in a subprocess; the sites are the
tests' local fake Granicus. Usage: python bench/hostile_bench.py [--only extract,search,cache,load]
[--meetings 60] [--inprocess-seconds 120]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

MB = 1 << 20
LONG_QUERY = " ".join(["interpretation"] * 3000)

# The old way: extraction in the caller's own process, nothing capped. Run in a child so the
# bench survives; the child reads the file, applies the address-space limit and reports.
IN_PROCESS = """
import json, resource, sys, time
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from tracker.extract import Limits, _extract_kind
data = open(sys.argv[1], "rb").read()
huge = 10**12
start = time.perf_counter()
try:
    r = _extract_kind("pdf", data, "application/pdf", Limits(max_pages=huge,
        max_page_chars=huge, max_document_chars=huge))
    out = {"status": r.status, "pages": len(r.pages), "chars": sum(map(len, r.pages)),
           "error": r.error}
except MemoryError:
    out = {"status": "MemoryError"}
out["seconds"] = time.perf_counter() - start
print(json.dumps(out))
"""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[q - 1]


# --- 1. extraction ------------------------------------------------------------------------


def in_process(data: bytes, limit_bytes: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", IN_PROCESS, fh.name, str(limit_bytes)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        timer = threading.Timer(seconds, proc.kill)
        timer.start()
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        wall = time.perf_counter() - started
    try:
        report = json.loads(out)
    except ValueError:
        if wall >= seconds:
            report = {"status": f"not done after {seconds:.0f} s (stopped)"}
        elif os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            report = {"status": f"the process died ({name}, out of memory)"}
        else:
            report = {"status": f"the process died (exit {os.WEXITSTATUS(status)})"}
    report["wall"] = wall
    report["peak_mb"] = usage.ru_maxrss / 1024
    return report


def bounded(data: bytes) -> dict:
    from tracker import extract as extract_mod

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = extract_mod.extract(data, "application/pdf")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "status": result.status,
        "pages": len(result.pages),
        "chars": sum(map(len, result.pages)),
        "error": result.error,
        "wall": wall,
        "peak_mb": extract_mod._WORKER.last_peak_rss / MB,
        "parent_growth_mb": after - before,
    }


def bench_extract(args) -> None:
    import logging

    from tests.pdfs import bomb_content_size, lines_content, make_deflate_bomb, make_many_pages_pdf
    from tracker.extract import stop_worker

    logging.getLogger("tracker").setLevel(logging.ERROR)

    print("== 1. extraction: in one process with no caps (old) vs our bounded child")
    limit = int(args.inprocess_limit_mb * MB)
    documents = {
        "deflate bomb": make_deflate_bomb(args.bomb_mb * MB),
        # Pages of 40 dense lines each, as a packet of resolutions is.
        "20,000-page PDF": make_many_pages_pdf(20_000, lines_content("Resolution 2017-14", 40)),
    }
    for name, data in documents.items():
        extra = ""
        if name == "deflate bomb":
            extra = f", inflates to {bomb_content_size(data) / MB:.0f} MB"
        print(f"{name}: {len(data) / MB:.1f} MB file{extra}")
        old = in_process(data, limit, args.inprocess_seconds)
        print(
            f"  in process, no caps, {args.inprocess_limit_mb / 1024:.1f} GB limit: "
            f"{old['status']}, {old['wall']:.1f} s, peak {old['peak_mb']:.0f} MB"
            + (f", {old['pages']} pages, {old['chars']:,} chars" if "pages" in old else "")
        )
        new = bounded(data)
        print(
            f"  bounded child (defaults):        {new['status']}, {new['wall']:.1f} s, "
            f"child peak {new['peak_mb']:.0f} MB, caller grew {new['parent_growth_mb']:.0f} MB, "
            f"{new['pages']} pages, {new['chars']:,} chars"
            + (f" ({new['error']})" if new["error"] else "")
        )
    stop_worker()


# --- the real server ----------------------------------------------------------------------


from web_bench import get, serving  # noqa: E402  (the same server start as web_bench)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def demo_data(data_dir: Path) -> None:
    from web_bench import demo_data as scraped

    scraped(data_dir)


# --- 2. search ----------------------------------------------------------------------------


def page_latencies(port: int, paths: list[str], rounds: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {p: [] for p in paths}
    for _ in range(rounds):
        for path in paths:
            status, elapsed = get(port, path, 60)
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status}")
            out[path].append(elapsed)
    return out


def bench_search(args, data_dir: Path) -> None:
    print("== 2. other pages while 8 clients run 3,000-word searches")
    paths = ["/static/style.css", "/", "/meetings"]
    with serving(data_dir) as (port, _pid):
        page_latencies(port, paths, 2)  # fill the page cache
        idle = page_latencies(port, paths, args.rounds)
        stop = threading.Event()
        searches: list[tuple[int, float]] = []

        def searcher() -> None:
            while not stop.is_set():
                try:
                    searches.append(get(port, "/search?q=" + quote(LONG_QUERY), 60))
                except OSError:
                    searches.append((0, 0.0))

        threads = [threading.Thread(target=searcher, daemon=True) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        busy = page_latencies(port, paths, args.rounds)
        stop.set()
        for t in threads:
            t.join(120)
    for path in paths:
        i50, b50 = statistics.median(idle[path]), statistics.median(busy[path])
        i95, b95 = quantile(idle[path], 95), quantile(busy[path], 95)
        print(
            f"  {path:18s} idle p50 {ms(i50)} p95 {ms(i95)} | searching p50 {ms(b50)} "
            f"p95 {ms(b95)} | ratio p50 {b50 / i50:5.1f} p95 {b95 / i95:5.1f}"
        )
    statuses = Counter(s for s, _ in searches)
    times = [t for s, t in searches if s == 200]
    print(
        f"  the long searches: {len(searches)} answered {dict(statuses)}, "
        f"p50 {ms(statistics.median(times)) if times else '-'}"
    )


# --- 3. cache -----------------------------------------------------------------------------


def bench_cache(args, data_dir: Path) -> None:
    import sqlite3

    print("== 3. server memory after 1,000 distinct query strings")
    conn = sqlite3.connect(data_dir / "tracker.db")
    (sha,) = conn.execute(
        "select d.sha256 from documents d join pages p on p.document_id = d.id "
        "group by d.id order by sum(length(p.text)) desc limit 1"
    ).fetchone()
    conn.close()
    with serving(data_dir) as (port, pid):
        get(port, f"/documents/{sha}")
        start = rss_mb(pid)
        print(f"  after one view of the largest document page: RSS {start:.0f} MB")
        for name, make in (
            ("?v=N on the document page", lambda i: f"/documents/{sha}?v={i}"),
            ("?utm_source=N on the overview", lambda i: f"/?utm_source={i}"),
            ("distinct searches ?q=wordN", lambda i: f"/search?q=resolution+word{i}"),
        ):
            started = time.perf_counter()
            statuses = Counter(get(port, make(i))[0] for i in range(1000))
            print(
                f"  1,000 x {name:32s} RSS {rss_mb(pid):5.0f} MB "
                f"({time.perf_counter() - started:.1f} s, {dict(statuses)})"
            )


# --- 4. load during a scrape, process and match --------------------------------------------


def bench_load(args) -> None:
    import logging

    from pytest_httpserver import HTTPServer
    from scrape_bench import build_meetings

    from tests.granicus_site import GranicusSite, listing_html
    from tests.places import birmingham_at

    print(f"== 4. {args.clients} clients during `python run.py scrape` ({args.meetings} meetings)")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    site_server = HTTPServer(host="127.0.0.1", port=0)
    site_server.start()
    try:
        meetings = build_meetings(args.meetings)
        site = GranicusSite(site_server, listing_html(meetings))
        for m in meetings:
            site.add_meeting(m)
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            place = birmingham_at(Path(tmp) / "place", site.base_url)
            env = {"TRACKER_JURISDICTION": str(place), "TRACKER_REQUEST_DELAY": "0"}
            with serving(data, **env) as (port, _pid):
                urls = [
                    "/",
                    "/meetings",
                    "/commitments/language-access",
                    "/es/commitments/language-access",
                    "/search?q=interpretation",
                    "/sources",
                    "/static/style.css",
                ]
                results: list[tuple[str, int, float]] = []
                lock = threading.Lock()
                stop = threading.Event()

                def client(offset: int) -> None:
                    mine = []
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    i = offset
                    while not stop.is_set():
                        path = urls[i % len(urls)]
                        i += 1
                        started = time.perf_counter()
                        try:
                            conn.request("GET", path)
                            response = conn.getresponse()
                            response.read()
                            status = response.status
                        except (OSError, http.client.HTTPException):
                            status = 0
                            conn.close()
                            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                        mine.append((path, status, time.perf_counter() - started))
                    conn.close()
                    with lock:
                        results.extend(mine)

                threads = [
                    threading.Thread(target=client, args=(n,), daemon=True)
                    for n in range(args.clients)
                ]
                for t in threads:
                    t.start()
                started = time.perf_counter()
                scrape = subprocess.run(
                    [sys.executable, "run.py", "scrape"],
                    cwd=ROOT,
                    env={**os.environ, "TRACKER_DATA_DIR": str(data), **env},
                    capture_output=True,
                    text=True,
                )
                scrape_s = time.perf_counter() - started
                stop.set()
                for t in threads:
                    t.join(120)
    finally:
        site_server.stop()
    summary = [line for line in scrape.stdout.splitlines() if line.strip()]
    print(f"  scrape exit {scrape.returncode} in {scrape_s:.1f} s: {' | '.join(summary)}")
    statuses = Counter(s for _, s, _ in results)
    errors = sum(n for s, n in statuses.items() if s == 0 or s >= 500 and s != 503)
    busy = sum(1 for p, s, _ in results if s == 503 and p.startswith("/search"))
    other_503 = sum(1 for p, s, _ in results if s == 503 and not p.startswith("/search"))
    times = [e for _, s, e in results if s == 200]
    print(
        f"  {len(results)} requests ({len(results) / scrape_s:.0f}/s): {dict(statuses)}; "
        f"errors (5xx but a busy search's 503, or no answer): {errors + other_503}; "
        f"searches told to retry (503): {busy}"
    )
    print(
        f"  latency of the 200s: p50 {ms(statistics.median(times))}  p99 {ms(quantile(times, 99))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="extract,search,cache,load")
    parser.add_argument("--bomb-mb", type=int, default=400, help="what the bomb inflates to")
    parser.add_argument("--inprocess-limit-mb", type=float, default=2560)
    parser.add_argument("--inprocess-seconds", type=float, default=120)
    parser.add_argument("--rounds", type=int, default=30, help="requests per page, idle and busy")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--meetings", type=int, default=60)
    args = parser.parse_args()
    parts = set(args.only.split(","))
    if "extract" in parts:
        bench_extract(args)
    if parts & {"search", "cache"}:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            demo_data(data)
            if "search" in parts:
                bench_search(args, data)
            if "cache" in parts:
                bench_cache(args, data)
    if "load" in parts:
        bench_load(args)


if __name__ == "__main__":
    main()
