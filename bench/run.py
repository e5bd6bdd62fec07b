"""What a crawl costs: parknews beside bare Scrapy, trafilatura and GNE, in one run.

``make bench`` (or ``python bench/run.py --n 5000``) does, in this order:

1. writes a replay site of N articles (and one of N/5) with every fixture
   template, charset and mirror variant (``bench/sitegen.py``), and serves it
   from nginx on 127.0.0.1 in its own process (``bench/server.py``), after
   measuring the server's own requests/s under the crawl's concurrency;
2. crawls it, one run after another: **floor** (a bare Scrapy spider over
   the same pages, ``bench/floor.py``) and **parknews** (``scrapy crawl
   parknews`` with every pipeline, ``parknews.replay`` settings), alternately
   ``--repeat`` times, each parknews run with a fresh state; then
   **re-run** (parknews again on the unchanged site with the state of the
   last run); then **workers**: the distributed mode through a real
   ``redis-server`` on 127.0.0.1, one worker process and then two on the
   same site, ``--worker-pairs`` times (``workers_bench``); then parknews on the
   N/5 site (peak memory against the archive's size), and on two N/5 sites
   in one run against one; then, unless ``--no-profile``, one more parknews
   run and one more floor run under py-spy, whose samples are grouped by
   component;
3. **extract-only**: parknews's extraction and text repair against
   ``trafilatura.bare_extraction`` and GNE on the same decoded pages
   (``bench/extractors.py``), for speed and field accuracy;
4. **browser path**, unless ``--no-render``: parknews on a site of
   ``--renders`` articles whose click count only JavaScript shows, so each
   is rendered in Chromium (skipped, with a note, without a render path or
   a browser);
5. prints a table, checks the targets and writes ``bench/results.json``.

Every request goes to 127.0.0.1; every crawl runs under a time limit.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import extractors  # noqa: E402
import server as servers  # noqa: E402
import sitegen  # noqa: E402

from parknews import settings as parknews_settings  # noqa: E402
from parknews.replay import REPLAY_SETTINGS, crawl_command  # noqa: E402
from tests.redis_server import BINARY as REDIS_SERVER  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

TARGETS = {
    "ratio_vs_floor": 0.7,
    "extract_speedup_vs_trafilatura": 3.0,
    "extract_speedup_vs_gne": 1.5,
    "rerun_time_share": 0.05,
    "rss_growth": 1.2,
    "rss_at_n_mb": 300.0,
    "two_workers_vs_one": 1.6,
}


def log(message: str) -> None:
    print(message, flush=True)


# -------------------------------------------------------------------- crawls
class CrawlRun(dict):
    """One crawl process: what it fetched, how long it took, what it used."""


def run_crawl(
    name: str, cmd: list[str], server: servers.Server, workdir: Path, stats_file: Path, timeout: float
) -> CrawlRun:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    stats_file.unlink(missing_ok=True)
    requests0, server_cpu0 = server.requests_logged(), server.cpu_seconds()
    started = time.perf_counter()
    with (workdir / f"{name}.log").open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            watchdog.cancel()
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} exited with {proc.returncode} after {wall:.0f} s; see {workdir / (name + '.log')}")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    elapsed = float(stats.get("elapsed_time_seconds") or wall)
    responses = int(stats.get("response_received_count", 0))
    cpu = usage.ru_utime + usage.ru_stime
    run = CrawlRun(
        name=name,
        wall_s=round(wall, 3),
        crawl_s=round(elapsed, 3),
        responses=responses,
        requests=int(stats.get("downloader/request_count", 0)),
        items=int(stats.get("item_scraped_count", 0)),
        dropped=int(stats.get("item_dropped_count", 0)),
        pages_per_s=round(responses / elapsed, 1) if elapsed else None,
        cpu_s=round(cpu, 3),
        crawl_cpu_s=round(float(stats.get("bench/crawl_cpu_s", cpu)), 3),
        peak_rss_mb=round(stats["bench/vmhwm_kb"] / 1024, 1) if "bench/vmhwm_kb" in stats else None,
        errors=int(stats.get("log_count/ERROR", 0)),
        server_requests=server.requests_logged() - requests0,
        server_cpu_s=round(server.cpu_seconds() - server_cpu0, 3),
    )
    run["server_busy_share"] = round(run["server_cpu_s"] / wall, 4)
    log(
        f"  {name}: {responses} pages in {elapsed:.1f} s ({run['pages_per_s']} pages/s, wall {wall:.1f} s), "
        f"{run['items']} items, CPU {run['crawl_cpu_s']:.1f} s (process {cpu:.1f} s), "
        f"peak RSS {run['peak_rss_mb']} MB, server {run['server_requests']} requests, "
        f"{run['server_busy_share']:.1%} busy"
    )
    return run


#: ``--set NAME=VALUE`` settings, given to every crawl (floor and parknews alike).
EXTRA_SETTINGS: list[str] = []


def parknews_cmd(server: servers.Server, out: Path, state: Path, stats_file: Path) -> list[str]:
    return crawl_command(
        server.url,
        out,
        state,
        "-s",
        "STATS_CLASS=benchstats.JsonStatsCollector",
        "-s",
        f"BENCH_STATS_FILE={stats_file}",
        "-s",
        "LOG_LEVEL=INFO",
        *(arg for item in EXTRA_SETTINGS for arg in ("-s", item)),
    )


def parknews_sites_cmd(profiles: Path, out: Path, state: Path, stats_file: Path) -> list[str]:
    """A parknews crawl of every site of ``profiles`` (a sites.toml)."""
    return crawl_command(
        "",
        out,
        state,
        "-a",
        "site=all",
        "-s",
        f"PARKNEWS_SITES={profiles}",
        "-s",
        "STATS_CLASS=benchstats.JsonStatsCollector",
        "-s",
        f"BENCH_STATS_FILE={stats_file}",
        "-s",
        "LOG_LEVEL=INFO",
        *(arg for item in EXTRA_SETTINGS for arg in ("-s", item)),
    )


def floor_cmd(server: servers.Server, pages_file: Path, stats_file: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        str(HERE / "floor.py"),
        "--start",
        server.url,
        "--pages",
        str(pages_file),
        "--stats",
        str(stats_file),
        *(arg for item in [*EXTRA_SETTINGS, *extra] for arg in ("-s", item)),
    ]


def worker_cmd(server: servers.Server, redis_url: str, worker: str, work: Path, stats_file: Path) -> list[str]:
    """A distributed parknews worker on ``server``'s site: the Redis of the
    bench, its own output and summary; the state is Redis's."""
    return crawl_command(
        server.url,
        work / "out-workers-%(worker)s.jsonl",
        work / "state-workers.sqlite",
        "-s",
        f"PARKNEWS_REDIS_URL={redis_url}",
        "-s",
        f"PARKNEWS_WORKER={worker}",
        "-s",
        "STATS_CLASS=benchstats.JsonStatsCollector",
        "-s",
        f"BENCH_STATS_FILE={stats_file}",
        "-s",
        "LOG_LEVEL=INFO",
        *(arg for item in EXTRA_SETTINGS for arg in ("-s", item)),
        summary=work / f"last-run-{worker}.json",
    )


def run_workers(
    name: str, count: int, server: servers.Server, redis: RedisServer, work: Path, timeout: float
) -> CrawlRun:
    """``count`` worker processes of one distributed crawl, started together on an
    empty Redis (no state, no round: every run crawls the whole site).

    pages/s is every worker's responses over the round's span, from the first
    spider opening to the last one closing: the time the site took, idle waits
    for the round's end included. CPU is the workers' crawl CPU (as for one
    crawl) and, apart, Redis's. Round trips are counted in each worker
    (``benchstats``); commands are Redis's ``total_commands_processed``, which
    counts each command a script or transaction runs.
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    db = redis.client()
    db.flushall()
    memory0 = db.info("memory")["used_memory"]
    commands0, redis_cpu0 = db.info("stats")["total_commands_processed"], servers.process_cpu(redis.proc.pid)
    requests0 = server.requests_logged()
    names = [f"{name}-w{i + 1}" for i in range(count)]
    stats_files = [work / f"stats-{worker}.json" for worker in names]
    for path in stats_files:
        path.unlink(missing_ok=True)
    started = time.perf_counter()
    procs = []
    for worker, stats_file in zip(names, stats_files, strict=True):
        with (work / f"{worker}.log").open("w", encoding="utf-8") as out:
            cmd = worker_cmd(server, redis.url, worker, work, stats_file)
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
    watchdogs = [threading.Timer(timeout, proc.kill) for proc in procs]
    for watchdog in watchdogs:
        watchdog.start()
    cpu = 0.0
    try:
        for worker, proc in zip(names, procs, strict=True):
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
            if proc.returncode != 0:
                raise RuntimeError(f"{worker} exited with {proc.returncode}; see {work / (worker + '.log')}")
    finally:
        for watchdog in watchdogs:
            watchdog.cancel()
    wall = time.perf_counter() - started
    commands = db.info("stats")["total_commands_processed"] - commands0
    # what stays once the round is gone: the state (articles, fingerprints, robots.txt)
    memory = db.info("memory")["used_memory"] - memory0
    redis_cpu = servers.process_cpu(redis.proc.pid) - redis_cpu0
    db.close()
    stats = [json.loads(path.read_text(encoding="utf-8")) for path in stats_files]
    opened = min(datetime.fromisoformat(s["start_time"]) for s in stats)
    closed = max(datetime.fromisoformat(s["finish_time"]) for s in stats)
    span = (closed - opened).total_seconds()
    responses = sum(int(s.get("response_received_count", 0)) for s in stats)
    items = sum(int(s.get("item_scraped_count", 0)) for s in stats)
    trips = sum(int(s.get("bench/redis_round_trips", 0)) for s in stats)
    run = CrawlRun(
        name=name,
        workers=count,
        wall_s=round(wall, 3),
        crawl_s=round(span, 3),
        responses=responses,
        responses_per_worker=[int(s.get("response_received_count", 0)) for s in stats],
        items=items,
        pages_per_s=round(responses / span, 1) if span else None,
        cpu_s=round(cpu, 3),
        crawl_cpu_s=round(sum(float(s.get("bench/crawl_cpu_s", 0)) for s in stats), 3),
        redis_cpu_s=round(redis_cpu, 3),
        redis_round_trips=trips,
        redis_commands=commands,
        round_trips_per_article=round(trips / items, 2) if items else None,
        commands_per_article=round(commands / items, 2) if items else None,
        state_bytes_per_article=round(memory / items) if items else None,
        errors=sum(int(s.get("log_count/ERROR", 0)) for s in stats),
        server_requests=server.requests_logged() - requests0,
    )
    log(
        f"  {name}: {responses} pages in {span:.1f} s ({run['pages_per_s']} pages/s, wall {wall:.1f} s), "
        f"{items} items, CPU {run['crawl_cpu_s']:.1f} s + Redis {redis_cpu:.1f} s, "
        f"{trips} round trips ({run['round_trips_per_article']} per article), "
        f"{commands} Redis commands ({run['commands_per_article']} per article)"
    )
    return run


def workers_bench(server: servers.Server, work: Path, pairs: int, timeout: float) -> dict[str, Any]:
    """1 worker process against 2 through Redis on the same site, alternately
    ``pairs`` times; the faster run of each counts, as for (a) and (b)."""
    if not Path(REDIS_SERVER).exists():
        return {"skipped": f"no {REDIS_SERVER} (make redis installs Debian's redis-server)"}
    ones, twos = [], []
    with RedisServer(work / "redis") as redis:
        for i in range(pairs):
            ones.append(run_workers(f"workers-1-{i + 1}", 1, server, redis, work, timeout))
            twos.append(run_workers(f"workers-2-{i + 1}", 2, server, redis, work, timeout))
    one = max(ones, key=lambda r: r["pages_per_s"])
    two = max(twos, key=lambda r: r["pages_per_s"])
    return {
        "one": one,
        "two": two,
        "ratio": ratio(two["pages_per_s"], one["pages_per_s"]),
        "runs": {"one": ones, "two": twos},
        "note": "Redis on 127.0.0.1, appendonly yes, appendfsync always (as the tests); pages/s over the round's span",
    }


def crawled_pages(site: Path) -> list[str]:
    """The paths both crawls fetch: hubs, lists, articles, mirrors (no query aliases, no about/contact)."""
    expected = json.loads((site / "expected.json").read_text(encoding="utf-8"))
    return sorted(k for k, e in expected.items() if e["kind"] != "other" and "from=" not in k)


def count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


# ------------------------------------------------------------------- profile
def _classes_by_line(path: Path) -> list[tuple[int, int, str]]:
    """(first line, last line, class) of each class in a module: py-spy frames name
    the function and line, not the class, and every pipeline's method is ``process_item``."""
    import ast

    with contextlib.suppress(OSError, SyntaxError):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        return [(c.lineno, c.end_lineno or c.lineno, c.name) for c in tree.body if isinstance(c, ast.ClassDef)]
    return []


_PIPELINE_CLASSES = _classes_by_line(ROOT / "parknews" / "pipelines.py")
_FRAME_RE = re.compile(r"^(?P<name>.*) \((?P<file>.*?):(?P<line>\d+)\)$")


def _frame_group(stack: list[str]) -> str:
    """The component a sample's CPU time belongs to: the outermost frame that
    names one (stack from the root down)."""
    frames = []
    for f in stack:
        m = _FRAME_RE.match(f)
        frames.append((m["name"], m["file"], int(m["line"])) if m else (f, "", 0))
    if any(name == "_find_and_load" for name, _, _ in frames):
        return "startup: imports"
    for i, (qualname, path, line) in enumerate(frames):
        name = qualname.rsplit(".", 1)[-1]
        below = frames[i:]
        if path.endswith("parknews/pipelines.py"):
            cls = next((c for a, b, c in _PIPELINE_CLASSES if a <= line <= b), "?")
            if cls == "DedupPipeline":
                return "pipeline: dedup, SQLite state"
            return f"pipeline: {cls}"
        if name == "parse" and "parknews/spiders/" in path:
            if any(n in ("_parse_html", "create_root_node") for n, _, _ in below):
                return "spider: HTML parsing (lxml)"
            if any(p.endswith("parknews/text.py") and n == "fingerprint" for n, p, _ in below):
                return "spider: fingerprint (NFKC + OpenCC round trip)"
            if any(p.endswith("parknews/loaders.py") or "/itemloaders/" in p for _, p, _ in below):
                return "spider: item loader (itemloaders, glosses, OpenCC, punctuation)"
            if any(
                p.endswith("parknews/pages/document.py") or p.endswith("parknews/pages/layout.py") for _, p, _ in below
            ):
                return "spider: document (layout walk, text repair)"
            if any("parknews/pages/" in p for _, p, _ in below):
                return "spider: page extraction (parknews.pages)"
            if any(p.endswith("parknews/state.py") or "sqlite" in p for _, p, _ in below):
                return "spider: state look-ups (SQLite)"
            return "spider: other"
        if path.endswith("feedexport.py") or path.endswith("exporters.py"):
            return "feed export (JSON lines)"
        if "/spidermon/" in path:
            return "spidermon (run checks, field coverage)"
        if path.endswith("parknews/middlewares.py"):
            return "charset check (downloader middleware)"
    paths = [p for _, p, _ in frames]
    for group, marks in _SCRAPY_GROUPS:
        if any(m in p for p in paths for m in marks):
            return group
    if paths and "asyncio/" in paths[-1]:
        return "Scrapy: asyncio event loop (tasks, callbacks)"
    return "Scrapy + Twisted: other"


_SCRAPY_GROUPS = [
    ("Scrapy: scheduler + duplicate filter", ("scrapy/core/scheduler.py", "dupefilters.py", "pqueues.py", "queuelib/")),
    (
        "Scrapy + Twisted: downloader, HTTP client",
        (
            "scrapy/core/downloader/",
            "twisted/web/",
            "twisted/internet/tcp",
            "twisted/protocols/",
            "scrapy/downloadermiddlewares/",
        ),
    ),
    ("Scrapy: spider middleware chain", ("scrapy/core/spidermw.py", "scrapy/spidermiddlewares/")),
    ("Scrapy: scraper, signals", ("scrapy/core/scraper.py", "scrapy/signalmanager.py", "pydispatch/")),
    ("Scrapy: engine", ("scrapy/core/engine.py",)),
]


def summarise_profile(raw: Path, top: int = 12) -> dict[str, Any]:
    """py-spy's collapsed stacks, by component and by innermost function."""
    groups: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        count = int(count_text)
        stack = stack_text.split(";")
        # the thread/process header py-spy may put first is not a frame
        stack = [f for f in stack if "(" in f]
        if not stack:
            continue
        total += count
        groups[_frame_group(stack)] += count
        leaf = re.sub(r":\d+\)$", ")", stack[-1])
        leaves[leaf] += count
    share = lambda n: round(n / total, 4) if total else 0.0  # noqa: E731
    return {
        "samples": total,
        "by_component": [{"component": g, "share": share(n)} for g, n in groups.most_common()],
        "top_functions_self": [{"function": f, "share": share(n)} for f, n in leaves.most_common(top)],
    }


def profile_crawl(
    name: str, crawl: list[str], stats_file: Path, server: servers.Server, work: Path, timeout: float
) -> dict[str, Any]:
    """One crawl under py-spy, summarised by ``summarise_profile``."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        return {"skipped": "py-spy is not installed (pip install -r bench/requirements.txt)"}
    raw = work / f"{name}.txt"
    raw.unlink(missing_ok=True)
    cmd = [spy, "record", "--format", "raw", "--rate", "200", "--nonblocking", "-o", str(raw), "--", *crawl]
    try:
        run = run_crawl(name, cmd, server, work, stats_file, timeout)
    except RuntimeError as exc:
        return {"skipped": f"profiling failed: {exc}"}
    if not raw.exists():
        return {"skipped": "py-spy wrote no samples (ptrace not permitted?)"}
    summary = summarise_profile(raw)
    summary["crawl_s_under_profiler"] = run["crawl_s"]
    return summary


# ------------------------------------------------------------------- helpers
def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = m.group(1).strip() if m else ""
    mem_gb = None
    with contextlib.suppress(OSError, AttributeError):
        kb = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
        mem_gb = round(kb / 1024 / 1024, 1)
    versions = {}
    for dist in ("scrapy", "twisted", "lxml", "opencc", "ftfy", "trafilatura", "gne"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[dist] = importlib.metadata.version(dist)
    nginx = None
    if servers.nginx_available():
        out = subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-v"], capture_output=True, text=True)
        nginx = (out.stderr or out.stdout).strip().split("/")[-1]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_gb": mem_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "nginx": nginx,
        "versions": versions,
    }


def render_bench(count: int, base: Path, work: Path, prefer_nginx: bool) -> dict[str, Any]:
    """The browser path: a crawl of ``count`` articles whose click count only
    JavaScript shows (``sitegen.build_render``), with parknews's default
    ``PARKNEWS_RENDER=auto``, so every article is rendered in Chromium."""
    import importlib.util

    if (
        importlib.util.find_spec("parknews.clicks.render") is None
        or importlib.util.find_spec("scrapy_playwright") is None
    ):
        return {"skipped": "scrapy-playwright is not installed"}
    from parknews.clicks.render import chromium_path

    if chromium_path() is None:
        return {"skipped": "no Chromium on this machine (make chromium installs one)"}
    site = base / f"render{count}"
    sitegen.build_render(count, site)
    stats_file = work / "stats-render.json"
    with servers.start_server(site, work / "server-render", prefer_nginx=prefer_nginx) as server:
        cmd = parknews_cmd(server, work / "out-render.jsonl", work / "state-render.sqlite", stats_file)
        run = run_crawl("render", cmd, server, work, stats_file, timeout=120 + count * 3)
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    rendered = int(stats.get("parknews/rendered", 0))
    out = {
        "articles": count,
        "rendered": rendered,
        "render_failed": int(stats.get("parknews/render_failed", 0)),
        "crawl_s": run["crawl_s"],
        "s_per_rendered_page": round(run["crawl_s"] / rendered, 4) if rendered else None,
        "crawl_process_peak_rss_mb": run["peak_rss_mb"],
        "tree_processes": stats.get("bench/tree_processes"),
        "tree_rss_mb_after": round(stats.get("bench/tree_rss_kb", 0) / 1024, 1),
        "tree_pss_mb_after": round(stats.get("bench/tree_pss_kb", 0) / 1024, 1),
        "note": "crawl time / rendered pages at the project's Playwright settings; memory of the crawl process, "
        "Playwright's driver and Chromium together when the spider closes (browser still open)",
    }
    if not rendered:
        out["skipped"] = "the crawl rendered no page; see render.log"
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def target(value: float | None, goal: float, higher_is_better: bool) -> dict[str, Any]:
    if value is None:
        return {"value": None, "target": goal, "met": False, "by": None}
    met = value >= goal if higher_is_better else value <= goal
    return {"value": value, "target": goal, "met": met, "by": round(value / goal, 3)}


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="articles in the replay site (default 5000)")
    parser.add_argument("--repeat", type=int, default=2, help="floor/parknews pairs; the fastest of each counts")
    parser.add_argument(
        "--worker-pairs", type=int, default=1, help="1-worker/2-worker runs through Redis; the fastest of each counts"
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of extract-only")
    parser.add_argument("--sample", type=int, default=300, help="site articles in extract-only (plus the fixtures)")
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="skip the py-spy crawl")
    parser.add_argument("--no-render", dest="render", action="store_false", help="skip the browser path")
    parser.add_argument("--renders", type=int, default=200, help="articles rendered in the browser path")
    parser.add_argument("--dir", type=Path, default=HERE / "site", help="where sites and run files go")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--asyncio-server", action="store_true", help="use the fallback server even with nginx")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting for every crawl, floor and parknews alike (to try a change; results say so)",
    )
    args = parser.parse_args(argv)
    if any("=" not in item for item in args.set):
        parser.error("--set takes NAME=VALUE")
    EXTRA_SETTINGS[:] = args.set
    if args.n < 25:
        parser.error("--n must be at least 25")
    started = time.perf_counter()
    n, n5 = args.n, max(args.n // 5, 5)
    site, site5, work = args.dir / f"n{n}", args.dir / f"n{n5}", args.dir / "work"
    site5b = args.dir / f"n{n5}-b"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    timeout = 120 + n * 0.2  # seconds per crawl; a healthy one takes a small fraction of that
    results: dict[str, Any] = {"n": n, "machine": machine(), "settings_added": args.set, "notes": []}

    log(f"Writing replay sites of {n} and {n5} articles under {args.dir}")
    t = time.perf_counter()
    sitegen.build(n, site)
    sitegen.build(n5, site5)
    sitegen.build(n5, site5b, mark="乙")
    results["site"] = {
        "articles": n,
        "categories": len(sitegen.generator().CATEGORIES),
        "urls": len(json.loads((site / "manifest.json").read_text(encoding="utf-8"))["pages"]),
        "pages_crawled": len(crawled_pages(site)),
        "bytes": sum(f.stat().st_size for f in (site / "site").rglob("*") if f.is_file()),
        "build_s": round(time.perf_counter() - t, 1),
    }
    pages_file = work / "pages.json"
    pages_file.write_text(json.dumps(crawled_pages(site)), encoding="utf-8")
    concurrency = int(REPLAY_SETTINGS["CONCURRENT_REQUESTS"])
    results["concurrency"] = concurrency

    with servers.start_server(site, work / "server", prefer_nginx=not args.asyncio_server) as server:
        log(f"Serving {site} with {server.kind} at {server.url}")
        articles = [p for p in crawled_pages(site) if p.endswith(".html")]
        load = servers.load_test(server, articles, concurrency, seconds=4.0)
        log(
            f"  server alone: {load['requests_per_s']:.0f} requests/s from {concurrency} connections, "
            f"{load['server_cpu_share']:.0%} of a core"
        )
        results["server"] = {"kind": server.kind, **{k: round(v, 3) for k, v in load.items()}}

        floors, parks = [], []
        for i in range(args.repeat):
            log(f"Crawl pair {i + 1}/{args.repeat}")
            floors.append(
                run_crawl(
                    f"floor-{i + 1}",
                    floor_cmd(server, pages_file, work / "stats-floor.json"),
                    server,
                    work,
                    work / "stats-floor.json",
                    timeout,
                )
            )
            state = work / f"state-{i + 1}.sqlite"
            parks.append(
                run_crawl(
                    f"parknews-{i + 1}",
                    parknews_cmd(server, work / f"out-{i + 1}.jsonl", state, work / "stats-parknews.json"),
                    server,
                    work,
                    work / "stats-parknews.json",
                    timeout,
                )
            )
        floor = max(floors, key=lambda r: r["pages_per_s"])
        park = max(parks, key=lambda r: r["pages_per_s"])
        # parknews's settings lower CONCURRENT_ITEMS (one article per page); the
        # floor above keeps Scrapy's default. The same floor with parknews's value
        # shows what that setting alone is worth, so neither ratio is hidden.
        items = f"CONCURRENT_ITEMS={parknews_settings.CONCURRENT_ITEMS}"
        log(f"Floor again with parknews's {items}")
        same = run_crawl(
            "floor-same-items",
            floor_cmd(server, pages_file, work / "stats-floor2.json", items),
            server,
            work,
            work / "stats-floor2.json",
            timeout,
        )
        results["floor_same_concurrent_items"] = {
            "setting": items,
            "pages_per_s": same["pages_per_s"],
            "ratio_vs_floor": ratio(park["pages_per_s"], same["pages_per_s"]),
        }
        exported = count_lines(work / f"out-{len(parks)}.jsonl")
        if exported != n:
            results["notes"].append(f"parknews exported {exported} articles of {n} (mirror copies are duplicates)")

        log("Re-run over the unchanged site, with the state of the last run")
        rerun = run_crawl(
            "rerun",
            parknews_cmd(
                server, work / "out-rerun.jsonl", work / f"state-{args.repeat}.sqlite", work / "stats-rerun.json"
            ),
            server,
            work,
            work / "stats-rerun.json",
            timeout,
        )

        log("Distributed mode: 1 worker process, then 2, through Redis on the same site")
        workers = workers_bench(server, work, args.worker_pairs, timeout)
        if "skipped" in workers:
            log(f"  skipped: {workers['skipped']}")

        profile = profile_floor = None
        if args.profile:
            log("Profiling one more parknews crawl and one more floor crawl with py-spy")
            profile = profile_crawl(
                "profile-parknews",
                parknews_cmd(server, work / "out-profile.jsonl", work / "state-profile.sqlite", work / "stats-p.json"),
                work / "stats-p.json",
                server,
                work,
                timeout * 2,
            )
            profile_floor = profile_crawl(
                "profile-floor",
                floor_cmd(server, pages_file, work / "stats-pf.json"),
                work / "stats-pf.json",
                server,
                work,
                timeout * 2,
            )

    with servers.start_server(site5, work / "server5", prefer_nginx=not args.asyncio_server) as server5:
        log(f"Crawling the {n5}-article site for memory against archive size")
        small = run_crawl(
            "parknews-n5",
            parknews_cmd(server5, work / "out-n5.jsonl", work / "state-n5.sqlite", work / "stats-n5.json"),
            server5,
            work,
            work / "stats-n5.json",
            timeout,
        )
        with servers.start_server(site5b, work / "server5b", prefer_nginx=not args.asyncio_server) as server5b:
            log(f"Two sites of {n5} articles in one run (sites.toml with two profiles), against one")
            profiles = work / "sites.toml"
            profiles.write_text(
                "".join(
                    f'[[site]]\nname = "{name}"\nstart_urls = ["{srv.url}"]\n\n'
                    for name, srv in (("a", server5), ("b", server5b))
                ),
                encoding="utf-8",
            )
            both = run_crawl(
                "parknews-two-sites",
                parknews_sites_cmd(profiles, work / "out-two.jsonl", work / "state-ab.sqlite", work / "stats-two.json"),
                server5,
                work,
                work / "stats-two.json",
                timeout * 2,
            )

    log(f"Extract-only: {args.sample} site articles + the fixture articles, {args.rounds} rounds")
    pages = extractors.load_pages(ROOT / "fixtures", None, "fixtures") + extractors.load_pages(
        site, extractors.sample_keys(site, args.sample), "site"
    )
    ex = extractors.compare(pages, rounds=args.rounds, log=log)

    render: dict[str, Any] = {"skipped": "--no-render"}
    if args.render:
        log(f"Browser path: {args.renders} articles whose click count only JavaScript shows")
        render = render_bench(args.renders, args.dir, work, prefer_nginx=not args.asyncio_server)
        if "skipped" in render:
            log(f"  skipped: {render['skipped']}")
        else:
            log(
                f"  {render['rendered']} rendered in {render['crawl_s']:.1f} s: "
                f"{render['s_per_rendered_page']:.3f} s per page; crawl + browser "
                f"{render['tree_rss_mb_after']:.0f} MB RSS ({render['tree_pss_mb_after']:.0f} MB PSS) after"
            )

    # ------------------------------------------------------------ results
    categories = results["site"]["categories"]
    ms = ex["ms_per_page"]
    acc = {name: ex["accuracy"]["fixtures"][name]["raw"]["overall"] for name in ms}
    results.update(
        floor_pages_per_s=floor["pages_per_s"],
        parknews_pages_per_s=park["pages_per_s"],
        ratio_vs_floor=ratio(park["pages_per_s"], floor["pages_per_s"]),
        cpu_s_per_1000_articles={
            "floor": round(floor["crawl_cpu_s"] / n * 1000, 2),
            "parknews": round(park["crawl_cpu_s"] / n * 1000, 2),
            "ratio": ratio(park["crawl_cpu_s"], floor["crawl_cpu_s"]),
            "note": "CPU time of the crawl process between spider open and close (start-up and imports excluded)",
        },
        rerun_requests=rerun["server_requests"],
        rerun_seconds=rerun["crawl_s"],
        rerun_wall_seconds=rerun["wall_s"],
        rerun_time_share=ratio(rerun["crawl_s"], park["crawl_s"]),
        extract_ms=ms,
        extract_speedup={
            "vs_trafilatura": ratio(ms["trafilatura"], ms["parknews"]),
            "vs_gne": ratio(ms["gne"], ms["parknews"]),
        },
        extract_accuracy=acc,
        extract_detail={k: v for k, v in ex.items() if k != "ms_per_page"},
        peak_rss_mb={
            "at_n5": small["peak_rss_mb"],
            "at_n": park["peak_rss_mb"],
            "n5": n5,
            "growth": ratio(park["peak_rss_mb"], small["peak_rss_mb"]),
        },
        two_sites={
            "one_site_pages_per_s": small["pages_per_s"],
            "two_sites_pages_per_s": both["pages_per_s"],
            "ratio": ratio(both["pages_per_s"], small["pages_per_s"]),
            "articles": {"one_site": small["items"], "two_sites": both["items"]},
            "note": f"two replay servers of {n5} articles each, one run with two profiles, against one of them alone",
        },
        workers=workers,
        render_s_per_page=None if "skipped" in render else render["s_per_rendered_page"],
        render_rss_mb_after_200=None if "skipped" in render else render["tree_rss_mb_after"],
        render=render,
        crawls={"floor": floors, "parknews": parks, "rerun": rerun, "parknews_n5": small, "two_sites": both},
        profile=profile,
        profile_floor=profile_floor,
    )
    results["targets"] = {
        "throughput_ratio_vs_floor": target(results["ratio_vs_floor"], TARGETS["ratio_vs_floor"], True),
        "extract_speedup_vs_trafilatura": target(
            results["extract_speedup"]["vs_trafilatura"], TARGETS["extract_speedup_vs_trafilatura"], True
        ),
        "extract_speedup_vs_gne": target(results["extract_speedup"]["vs_gne"], TARGETS["extract_speedup_vs_gne"], True),
        "extract_accuracy_at_least_others": {
            "value": acc["parknews"],
            "target": max(acc["trafilatura"], acc["gne"]),
            "met": acc["parknews"] >= max(acc["trafilatura"], acc["gne"]),
        },
        "rerun_requests": target(rerun["server_requests"], categories + 2, False),
        "rerun_time_share": target(results["rerun_time_share"], TARGETS["rerun_time_share"], False),
        "rss_growth_n_vs_n5": target(results["peak_rss_mb"]["growth"], TARGETS["rss_growth"], False),
        "rss_at_n_mb": target(park["peak_rss_mb"], TARGETS["rss_at_n_mb"], False),
        "two_workers_vs_one": target(workers.get("ratio"), TARGETS["two_workers_vs_one"], True),
    }
    worker_runs = [] if "skipped" in workers else [*workers["runs"]["one"], *workers["runs"]["two"]]
    for run in [*floors, *parks, rerun, small, both, *worker_runs]:
        if run["errors"]:
            results["notes"].append(
                f"{run['name']} logged {run['errors']} ERROR lines (see {work / (run['name'] + '.log')}): "
                "its numbers, and those of any run after it that uses its state, are suspect"
            )
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print()
    print(table(results))
    for note in results["notes"]:
        log(f"note: {note}")
    log(f"\nWrote {args.out} ({results['bench_seconds']:.0f} s)")
    return 0


def table(r: dict[str, Any]) -> str:
    """The results as a Markdown table (the README's Performance section shows one)."""
    floor, park = r["crawls"]["floor"], r["crawls"]["parknews"]
    fb = max(floor, key=lambda x: x["pages_per_s"])
    pb = max(park, key=lambda x: x["pages_per_s"])
    ms, acc = r["extract_ms"], r["extract_accuracy"]
    fx = r["extract_detail"]["accuracy"]["fixtures"]
    t = r["targets"]

    def mark(key: str) -> str:
        return "met" if t[key]["met"] else "**missed**"

    rows = [
        (
            "replay site",
            f"{r['n']} articles, {r['site']['pages_crawled']} pages, {r['site']['categories']} categories",
            f"{r['server']['kind']}: {r['server']['requests_per_s']:.0f} req/s alone ({r['concurrency']} connections)",
            f"server {pb['server_busy_share']:.1%} busy during (b)",
        ),
        (
            "(a) floor: bare Scrapy",
            f"{fb['pages_per_s']:.0f} pages/s",
            f"{r['cpu_s_per_1000_articles']['floor']:.1f} CPU-s / 1,000 articles",
            "",
        ),
        (
            "(b) parknews, all pipelines",
            f"{pb['pages_per_s']:.0f} pages/s",
            f"{r['cpu_s_per_1000_articles']['parknews']:.1f} CPU-s / 1,000 articles",
            "",
        ),
        (
            "(b) ÷ (a)",
            f"{r['ratio_vs_floor']:.2f} × floor throughput",
            f"{r['cpu_s_per_1000_articles']['ratio']:.2f} × floor CPU",
            f"≥ {TARGETS['ratio_vs_floor']}: {mark('throughput_ratio_vs_floor')}",
        ),
    ]
    same = r.get("floor_same_concurrent_items")
    if same:
        goal = TARGETS["ratio_vs_floor"]
        rows.append(
            (
                f"(a′) floor with {same['setting']}",
                f"{same['pages_per_s']:.0f} pages/s",
                f"(b) ÷ (a′) = {same['ratio_vs_floor']:.2f} × floor throughput",
                f"≥ {goal}: {'met' if same['ratio_vs_floor'] >= goal else '**missed**'}",
            )
        )
    rows += [
        (
            "(c) re-run, unchanged site",
            f"{r['rerun_requests']} requests",
            f"{r['rerun_seconds']:.2f} s = {r['rerun_time_share']:.1%} of (b)",
            f"≤ {t['rerun_requests']['target']} requests: {mark('rerun_requests')}; < 5 %: {mark('rerun_time_share')}",
        ),
    ]
    for name in ("parknews", "trafilatura", "gne"):
        a = fx[name]["raw"]
        rows.append(
            (
                f"(d) extract-only: {name}",
                f"{ms[name]:.2f} ms/page",
                f"accuracy {acc[name]:.3f} (title {a['title']:.2f}, date {a['published']:.2f}, body {a['body']:.2f})",
                ""
                if name == "parknews"
                else f"parknews {r['extract_speedup']['vs_' + name]:.1f} × faster "
                f"(≥ {TARGETS['extract_speedup_vs_' + name]:g}: {mark('extract_speedup_vs_' + name)})",
            )
        )
    two = r.get("two_sites")
    if two:
        rows.append(
            (
                "(e) two sites in one run",
                f"{two['two_sites_pages_per_s']:.0f} pages/s against {two['one_site_pages_per_s']:.0f} for one",
                f"{two['ratio']:.2f} × one site's pages/s; {two['articles']['two_sites']} articles",
                "",
            )
        )
    workers = r.get("workers")
    if workers and "skipped" in workers:
        rows.append(("(f) 1 and 2 workers through Redis", "—", f"skipped: {workers['skipped']}", ""))
    elif workers:
        for key, label in (("one", "(f) 1 worker through Redis"), ("two", "(f) 2 workers through Redis")):
            w = workers[key]
            cpu = (w["crawl_cpu_s"] + w["redis_cpu_s"]) / w["items"] * 1000 if w["items"] else 0.0
            rows.append(
                (
                    label,
                    f"{w['pages_per_s']:.0f} pages/s",
                    f"{cpu:.1f} CPU-s / 1,000 articles (Redis {w['redis_cpu_s'] / w['items'] * 1000:.2f}); "
                    f"{w['round_trips_per_article']:.1f} round trips, "
                    f"{w['commands_per_article']:.1f} Redis commands / article",
                    ""
                    if key == "one"
                    else f"{workers['ratio']:.2f} × 1 worker (≥ {TARGETS['two_workers_vs_one']:g}: "
                    f"{mark('two_workers_vs_one')})",
                )
            )
    rss = r["peak_rss_mb"]
    rows += [
        (
            "peak RSS of the crawl",
            f"{rss['at_n5']:.0f} MB at N/5 = {rss['n5']}, {rss['at_n']:.0f} MB at N",
            f"{rss['growth']:.2f} × growth",
            f"≤ 1.2 ×: {mark('rss_growth_n_vs_n5')}; ≤ 300 MB: {mark('rss_at_n_mb')}",
        ),
        (
            "browser path (JS-only click counts)",
            "—" if r["render_s_per_page"] is None else f"{r['render_s_per_page']:.3f} s per rendered page",
            f"skipped: {r['render']['skipped']}"
            if r["render_s_per_page"] is None
            else f"{r['render_rss_mb_after_200']:.0f} MB RSS, crawl + Chromium, after {r['render']['rendered']}",
            "",
        ),
    ]
    out = ["| run | speed | cost / accuracy | target |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
