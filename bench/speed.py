"""Speed: a synthetic catalog of 10,000 services x 5 locales, served by gunicorn with 2 workers.

    python bench/speed.py                      # everything, in a temporary directory
    python bench/speed.py --work /tmp/speed    # keep (and reuse) the generated catalog and index there

Measures, in one run on this machine:
  - the full index build (`portal index --force`, locales built in parallel processes), wall and CPU time;
  - /healthz requests/s of the server (its ceiling), then /api/search under the same 16 concurrent connections
    with queries drawn Zipf-like from 5,000 distinct ones (after a warm-up that is not measured): requests/s,
    p50/p95/p99 latency, errors;
  - the resident set size of each worker;
  - how long a change to one service takes to become searchable: from the catalog edit, and from the moment
    the workers finished reloading the catalog.
Needs `wrk` (apt-get install wrk). Other processes on the machine share its CPUs: the figures say what they
were when this run measured them, with the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from synthetic import queries, write_catalog  # noqa: E402

TOKEN = "zyxquvmarker"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_SERVICES": str(work / "catalog" / "services.yaml"),
        "PORTAL_DATA_DIR": str(work / "var"),
        "PORTAL_ENV": "development",
        "PORTAL_COOKIE_SECURE": "0",
        "PORTAL_RELOAD_INTERVAL": "1",
        "PORTAL_SEARCH_REFRESH_SECONDS": "0.5",
        "PORTAL_LOG_LEVEL": "INFO",
    }


def build_index(work: Path) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "portal", "index", "--force"],
        env=environment(work),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(out.rstrip())
    built = float(re.search(r"in ([\d.]+) s", out).group(1))  # type: ignore[union-attr]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"build_s": built, "command_s": wall, "cpu_s": cpu}


def wrk(url: str, seconds: int, script: Path | None = None, paths: Path | None = None) -> dict[str, float]:
    command = [
        "wrk",
        "-t2",
        "-c16",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script or BENCH / "zipf.lua"),
        url,
    ]
    if paths is not None:
        command += ["--", str(paths)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    values = {k: float(v) for k, v in (item.split("=") for item in line.split()[1:])}
    values["rps"] = values["requests"] / (values["duration_us"] / 1e6)
    values["errors"] = (
        values["connect"] + values["read"] + values["write"] + values["status"] + values["timeout"]
    )
    return values


def workers(master: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            found.append(int(stat.parent.name))
    return sorted(found)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=600) as response:  # a worker reloading a big catalog is slow  # noqa: S310 (our own local server)
        return json.load(response)


def log_times(log: Path, pattern: str, since: float) -> list[float]:
    times = []
    for line in log.read_text(errors="replace").splitlines():
        if pattern in line:
            stamp = dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            if stamp >= since:
                times.append(stamp)
    return times


def freshness(base: str, work: Path, log: Path) -> dict[str, float]:
    """Edit one service's title, then poll until both workers find it."""
    part = work / "catalog" / "services.d" / "part-000.yaml"
    text = part.read_text(encoding="utf-8")
    edited = re.sub(  # after the opening quote of a quoted title, so the YAML stays valid
        r"(- id: service-0\n(?:.*\n)*?\s+title:\n\s+en: ['\"]?)(.*)", rf"\g<1>{TOKEN} \g<2>", text, count=1
    )
    assert edited != text
    url = f"{base}/api/search?q={TOKEN}&lang=en"
    edited_at = time.time()
    part.write_text(edited, encoding="utf-8")
    streak, first, slowest = 0, None, 0.0
    deadline = time.monotonic() + 300
    while streak < 10 and time.monotonic() < deadline:
        asked = time.perf_counter()
        found = get_json(url)["total"] > 0
        slowest = max(slowest, time.perf_counter() - asked)
        streak = streak + 1 if found else 0
        if found and first is None:
            first = time.time()
        time.sleep(0.05)
    searchable = time.time() if streak >= 10 else float("nan")
    reloads = log_times(log, "catalog loaded", edited_at)
    reloaded = max(reloads[:2]) if reloads else float("nan")
    return {
        "catalog_reloaded_s": reloaded - edited_at,
        "first_found_s": (first or float("nan")) - edited_at,
        "searchable_everywhere_s": searchable - edited_at,
        "after_reload_s": searchable - reloaded,
        "slowest_search_while_reloading_ms": slowest * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, help="working directory (kept); default: a temporary one")
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured load run")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of search load before measuring")
    parser.add_argument("--skip-build", action="store_true", help="reuse the index already in --work")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("needs wrk: apt-get install wrk")
    work = args.work or Path(tempfile.mkdtemp(prefix="portal-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    catalog = work / "catalog"
    marker = catalog / f".generated-{args.services}"
    if not marker.exists():
        shutil.rmtree(catalog, ignore_errors=True)
        started = time.perf_counter()
        write_catalog(catalog, args.services)
        marker.touch()
        print(
            f"generated {args.services} services x 5 locales in {time.perf_counter() - started:.1f} s: {catalog}"
        )
    else:  # undo an earlier run's freshness edit
        for part in (catalog / "services.d").glob("*.yaml"):
            text = part.read_text(encoding="utf-8")
            if TOKEN in text:
                part.write_text(text.replace(f"{TOKEN} ", ""), encoding="utf-8")
    load_start = os.getloadavg()
    figures: dict[str, float] = {}
    if not args.skip_build:
        figures.update(build_index(work))
    paths = work / "paths.txt"
    paths.write_text(
        "".join(
            f"/api/search?{urllib.parse.urlencode({'q': q, 'lang': loc})}\n"
            for loc, q in queries(catalog, 5000)
        ),
        encoding="utf-8",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "gunicorn.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "portal:create_app()",
        ],
        env=environment(work),
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),  # noqa: SIM115 (closed with the process)
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        started = time.perf_counter()
        deadline = time.monotonic() + 600
        while (
            time.monotonic() < deadline and log.read_text(errors="replace").count("search index: serving") < 2
        ):
            if server.poll() is not None:
                sys.exit(f"gunicorn exited; see {log}")
            time.sleep(0.5)
        figures["workers_ready_s"] = time.perf_counter() - started
        healthz = wrk(
            f"{base}/healthz", args.duration, script=BENCH / "zipf.lua", paths=_single(work, "/healthz")
        )
        wrk(base, args.warmup, paths=paths)  # warm-up: caches fill as they would in service; not measured
        search = wrk(base, args.duration, paths=paths)
        rss = [rss_mb(pid) for pid in workers(server.pid)]
        figures.update(freshness(base, work, log))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    load_end = os.getloadavg()
    ratio = search["rps"] / healthz["rps"]
    print()
    print(
        f"Speed, {args.services} services x 5 locales ({os.cpu_count()} CPUs; load average "
        f"{load_start[0]:.1f} at start, {load_end[0]:.1f} at end)"
    )
    if "build_s" in figures:
        print(
            f"  index build (portal index --force): {figures['build_s']:.1f} s "
            f"(command {figures['command_s']:.1f} s with loading the catalog; {figures['cpu_s']:.0f} s CPU)  target <= 90 s"
        )
    print(
        f"  workers ready after {figures['workers_ready_s']:.1f} s (each loads the catalog and opens the index)"
    )
    print(f"  /healthz:     {healthz['rps']:8.0f} requests/s, errors {healthz['errors']:.0f}")
    print(
        f"  /api/search:  {search['rps']:8.0f} requests/s = {ratio:.2f}x healthz (target >= 0.25x), "
        f"p50 {search['p50'] / 1000:.1f} ms, p95 {search['p95'] / 1000:.1f} ms (target <= 50), "
        f"p99 {search['p99'] / 1000:.1f} ms, max {search['max'] / 1000:.0f} ms, errors {search['errors']:.0f}"
    )
    print(f"  worker RSS:   {', '.join(f'{r:.0f} MB' for r in rss)} (target < 300 MB each)")
    print(
        f"  one-service change: catalog reloaded by both workers {figures['catalog_reloaded_s']:.1f} s after the edit; "
        f"searchable on both {figures['searchable_everywhere_s']:.1f} s after the edit = "
        f"{figures['after_reload_s']:.1f} s after the reload (target <= 5 s); slowest search from the edit "
        f"until then (background reload, re-index, first search on the new index): "
        f"{figures['slowest_search_while_reloading_ms']:.0f} ms"
    )
    ok = (
        figures.get("build_s", 0) <= 90
        and ratio >= 0.25
        and search["p95"] <= 50_000
        and search["errors"] == 0
        and max(rss) < 300
        and figures["after_reload_s"] <= 5
    )
    print("targets:", "met" if ok else "NOT met")
    return 0 if ok else 1


def _single(work: Path, path: str) -> Path:
    one = work / "healthz.txt"
    one.write_text(path + "\n", encoding="utf-8")
    return one


if __name__ == "__main__":
    sys.exit(main())
