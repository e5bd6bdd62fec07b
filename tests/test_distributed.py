"""Distributed mode: real ``scrapy crawl`` workers sharing a round through a
real ``redis-server`` (``tests/redis_server.py``), against two replay sites on
127.0.0.1: every article exactly once across the workers' outputs, whatever
happens to a worker or to Redis; and the round's scripts on their own."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.settings import Settings

from parknews.config import ParknewsConfig
from parknews.distributed import PREFIX
from parknews.distributed.rounds import CURRENT, IDLE, LEAVE, PUBLISH, round_key, start_round
from parknews.distributed.scheduler import POP, PUSH, queue_priority
from parknews.distributed.state import CLAIM, FINGERPRINTS
from parknews.replay import ReplayServer, crawl_command
from tests.conftest import ROOT

ARTICLES_PER_SITE = 160
#: Articles served before a worker is killed or Redis restarted (random points between these).
KILL_RANGE = (15, 260)
#: Where the kill points come from: new ones every run, printed with each test's
#: output; ``PARKNEWS_TEST_KILL_SEED=N`` replays the points of a failed run.
KILL_SEED = int(os.environ.get("PARKNEWS_TEST_KILL_SEED") or random.SystemRandom().randrange(1_000_000))
LEASE = "2"


def _sitegen():
    spec = importlib.util.spec_from_file_location("parknews_bench_sitegen", ROOT / "bench" / "sitegen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SITEGEN = _sitegen()
CATEGORIES = len(SITEGEN.generator().CATEGORIES)


def unique_articles(root: Path) -> dict[str, str]:
    """The site's own articles (mirror copies aside): URL path → title."""
    expected = json.loads((root / "expected.json").read_text("utf-8"))
    return {
        e["url_path"]: e["title"] for e in expected.values() if e["kind"] == "article" and not e.get("duplicate_of")
    }


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """Two sites of the bench's shape; the second's titles are its own (another fingerprint each)."""
    base = tmp_path_factory.mktemp("sites")
    SITEGEN.build(ARTICLES_PER_SITE, base / "a")
    SITEGEN.build(ARTICLES_PER_SITE, base / "b", mark="乙")
    return {"a": base / "a", "b": base / "b"}


@pytest.fixture
def servers(sites):
    with ReplayServer(sites["a"]) as a, ReplayServer(sites["b"]) as b:
        yield {"a": a, "b": b}


@pytest.fixture
def profiles(tmp_path, servers) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(
        "".join(f'[[site]]\nname = "{name}"\nstart_urls = ["{srv.url}"]\n\n' for name, srv in servers.items()),
        "utf-8",
    )
    return path


def want(sites) -> Counter:
    """Each article once: (site, path); an article both sites carry (same title) counts once, on either."""
    a, b = unique_articles(sites["a"]), unique_articles(sites["b"])
    shared = set(a.values()) & set(b.values())
    return Counter([("a", p) for p in a] + [("b", p) for p, t in b.items() if t not in shared])


def exported(out: Path, sites) -> Counter:
    """Every line of every worker's output, as (site, path); articles shared by both sites as site a's."""
    a, b = unique_articles(sites["a"]), unique_articles(sites["b"])
    shared_paths = {p: t for p, t in b.items() if t in set(a.values())}
    by_title = {t: p for p, t in a.items()}
    found: Counter = Counter()
    for path in out.glob("*.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            item = json.loads(line)
            key = (item["site"], urlsplit(item["url"]).path)
            if key[0] == "b" and key[1] in shared_paths:
                key = ("a", by_title[shared_paths[key[1]]])
            found[key] += 1
    return found


class Workers:
    """``scrapy crawl parknews`` worker processes of one distributed crawl."""

    def __init__(self, tmp_path: Path, redis_url: str, profiles: Path, lease: str = LEASE) -> None:
        self.tmp, self.redis_url, self.profiles, self.lease = tmp_path, redis_url, profiles, lease
        self.out = tmp_path / "out"
        self.out.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}

    def command(self, name: str, *extra: str) -> list[str]:
        return crawl_command(
            "",
            self.out / "parknews-%(worker)s.jsonl",
            self.tmp / "state.sqlite",
            "-a",
            "site=all",
            "-s",
            f"PARKNEWS_SITES={self.profiles}",
            "-s",
            f"PARKNEWS_REDIS_URL={self.redis_url}",
            "-s",
            f"PARKNEWS_WORKER={name}",
            "-s",
            f"PARKNEWS_LEASE_TIMEOUT={self.lease}",
            "-s",
            "PARKNEWS_RENDER=never",
            *extra,
            summary=self.tmp / f"last-run-{name}.json",
        )

    def start(self, *names: str, extra: tuple[str, ...] = ()) -> None:
        for name in names:
            log = (self.tmp / f"{name}.log").open("w")
            self.procs[name] = subprocess.Popen(self.command(name, *extra), cwd=ROOT, stdout=log, stderr=log)

    def wait(self, timeout: float = 150) -> dict[str, int]:
        codes = {name: proc.wait(timeout=timeout) for name, proc in self.procs.items()}
        self.procs.clear()
        return codes

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text("utf-8")

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text('utf-8')[-3000:]}" for p in self.tmp.glob("*.log"))


def article_requests(servers) -> int:
    return sum(p.endswith(".html") and "/news/" in p for srv in servers.values() for p in srv.requests)


def test_three_workers_export_every_article_once_each_output_named_for_its_worker(
    tmp_path, sites, servers, profiles, redis_server
):
    seed = subprocess.run(
        [sys.executable, "-m", "scrapy", "seed", "parknews", "-a", "site=all", "-s", f"PARKNEWS_SITES={profiles}",
         "-s", f"PARKNEWS_REDIS_URL={redis_server.url}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert seed.returncode == 0, seed.stderr
    assert seed.stdout.strip() == "parknews: started crawl round 1 of a,b: 2 start requests queued"
    workers = Workers(tmp_path, redis_server.url, profiles)
    # the workers' own choice of site does not matter: they crawl the round's
    workers.start("w1", "w2", "w3", extra=("-s", "PARKNEWS_SITE=a"))
    codes = workers.wait()
    assert codes == {"w1": 0, "w2": 0, "w3": 0}, workers.logs()
    assert exported(workers.out, sites) == want(sites)
    assert sum(want(sites).values()) >= 300
    names = sorted(p.name for p in workers.out.glob("*.jsonl"))
    assert len(names) >= 2 and all(any(f"-w{n}.jsonl" in x for n in "123") for x in names), names
    assert all(srv.requests.count("/robots.txt") <= 3 for srv in servers.values())
    # the round is gone, the state stays
    db = redis_server.client()
    assert db.get(CURRENT) is None and not db.keys(f"{PREFIX}round:*")
    assert db.hlen(f"{PREFIX}state:articles") >= sum(want(sites).values())
    summaries = [json.loads((tmp_path / f"last-run-w{n}.json").read_text("utf-8")) for n in "123"]
    assert sum(s["articles"]["new"] for s in summaries) == sum(want(sites).values())


def test_cron_entry_seeds_a_round_then_leaves_the_going_one_alone(profiles, redis_server):
    cron = [str(ROOT / "bin" / "parknews-cron"), "seed", "-a", "site=b", "-s", f"PARKNEWS_SITES={profiles}",
            "-s", f"PARKNEWS_REDIS_URL={redis_server.url}"]  # fmt: skip
    first = subprocess.run(cron, capture_output=True, text=True, timeout=60)
    assert (first.returncode, first.stdout.strip()) == (
        0,
        "parknews: started crawl round 1 of b: 1 start requests queued",
    )
    again = subprocess.run(cron, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    assert again.stdout.strip() == "parknews: crawl round 1 of b is going (1 requests queued); not starting one"
    assert redis_server.client().zcard(round_key("1", "requests")) == 1


@pytest.mark.parametrize("point", range(5))
def test_a_worker_killed_at_a_random_moment_loses_and_repeats_nothing(
    tmp_path, sites, servers, profiles, redis_server, point
):
    rng = random.Random(f"{KILL_SEED}-{point}")
    served, victim = rng.randint(*KILL_RANGE), rng.choice(["w1", "w2", "w3"])
    replay = f"PARKNEWS_TEST_KILL_SEED={KILL_SEED}: {victim} killed after {served} article requests"
    print(replay)
    workers = Workers(tmp_path, redis_server.url, profiles)
    workers.start("w1", "w2", "w3")
    assert servers["a"].wait_for(lambda _: article_requests(servers) >= served, 120)
    workers.procs[victim].send_signal(signal.SIGKILL)
    codes = workers.wait()
    assert codes[victim] == -signal.SIGKILL, replay
    assert all(code == 0 for name, code in codes.items() if name != victim), (replay, workers.logs())
    found = exported(workers.out, sites)
    assert found == want(sites), (replay, found - want(sites), want(sites) - found)
    assert not list(workers.out.glob(f"*-{victim}.jsonl"))  # the killed worker published nothing
    assert "re-queued what it had taken" in "".join(workers.log(n) for n in codes if n != victim)


def test_redis_restarted_mid_crawl_workers_wait_and_resume(tmp_path, sites, servers, profiles, redis_server):
    workers = Workers(tmp_path, redis_server.url, profiles, lease="15")
    workers.start("w1", "w2", extra=("-s", "DOWNLOAD_DELAY=0.01"))
    assert servers["a"].wait_for(lambda _: article_requests(servers) >= 60, 120)
    before = article_requests(servers)
    # down for longer than a heartbeat's interval (a quarter of the lease), shorter than the lease
    redis_server.restart(down_for=5.0)
    codes = workers.wait()
    assert codes == {"w1": 0, "w2": 0}, workers.logs()
    assert article_requests(servers) > before + 50  # they went on after the restart
    assert exported(workers.out, sites) == want(sites)
    for name in codes:
        log = workers.log(name)
        assert f"WARNING: Redis at {redis_server.url} is not answering (" in log, log[-3000:]
        assert f"INFO: Redis at {redis_server.url} answers again: the crawl goes on" in log
        assert "re-queued what it had taken" not in log  # nobody was taken for dead


def test_a_second_round_over_unchanged_sites_costs_categories_plus_two_requests_per_site(
    tmp_path, sites, servers, profiles, redis_server
):
    first = Workers(tmp_path, redis_server.url, profiles)
    first.start("w1", "w2")
    assert first.wait() == {"w1": 0, "w2": 0}, first.logs()
    for srv in servers.values():
        srv.requests.clear()
    again = Workers(tmp_path / "again", redis_server.url, profiles)
    again.start("w3", "w4")
    assert again.wait() == {"w3": 0, "w4": 0}, again.logs()
    for srv in servers.values():
        pages = [p for p in srv.requests if p != "/robots.txt"]
        assert len(pages) <= CATEGORIES + 2, pages
        assert "/robots.txt" not in srv.requests  # cached in Redis
    assert exported(again.out, sites) == Counter()  # nothing new (-O: empty files)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:1/0", "redis://127.0.0.1:1/0"),
        ("redis://:s3cret@127.0.0.1:1/0", "redis://:***@127.0.0.1:1/0"),  # a password is never logged
    ],
)
def test_redis_unreachable_is_one_error_naming_the_url_and_nothing_is_written(tmp_path, servers, profiles, url, shown):
    workers = Workers(tmp_path, url, profiles)
    workers.start("w1")
    assert workers.wait(60) == {"w1": 1}
    lines = workers.log("w1").strip().splitlines()
    assert len(lines) == 1 and " ERROR: " in lines[0] and f"Cannot reach Redis at {shown}: " in lines[0], lines
    assert "s3cret" not in lines[0]
    assert not list(workers.out.iterdir())
    assert not (tmp_path / "state.sqlite").exists() and not (tmp_path / "last-run-w1.json").exists()
    assert all(srv.requests == [] for srv in servers.values())


@pytest.mark.parametrize(
    ("value", "setting"),
    [
        ("http://127.0.0.1:6379/", "PARKNEWS_REDIS_URL"),
        ("redis://127.0.0.1:6379/x", "PARKNEWS_REDIS_URL"),
        ("redis:///", "PARKNEWS_REDIS_URL"),
        ("two words", "PARKNEWS_WORKER"),
        ("0", "PARKNEWS_LEASE_TIMEOUT"),
    ],
)
def test_bad_distributed_settings_are_one_line_exit_2(tmp_path, servers, profiles, value, setting):
    workers = Workers(tmp_path, "redis://127.0.0.1:1/0", profiles)
    workers.start("w1", extra=("-s", f"{setting}={value}"))
    assert workers.wait(60) == {"w1": 2}
    (line,) = workers.log("w1").strip().splitlines()
    assert line.startswith(f"parknews: error: {setting}: {value!r} is not"), line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-a", "site=nope"], "site: 'nope' is not a known site (known: a, b, or all)"),
        (["-a", "limt=3"], "unknown spider argument 'limt' (known: full, limit, refresh_clicks, site, start_urls)"),
        (["-a", "full=1"], "seed takes only -a site= and -a start_urls=: 'full' is each worker's own"),
        (["-a", "start_urls=ftp://x/"], "start_urls: 'ftp://x/' is not an http:// or https:// URL"),
        (["-s", "PARKNEWS_REDIS_URL="], "PARKNEWS_REDIS_URL is not set: a round is for the distributed mode"),
    ],
)
def test_seed_with_bad_arguments_is_one_line_exit_2(profiles, args, message):
    cmd = [sys.executable, "-m", "scrapy", "seed", "parknews", "-s", f"PARKNEWS_SITES={profiles}",
           "-s", "PARKNEWS_REDIS_URL=redis://127.0.0.1:1/0", *args]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"parknews: error: {message}"), line


def test_each_worker_has_its_own_output_and_summary_by_default():
    settings = Settings()
    settings.setmodule("parknews.settings")
    settings.set("PARKNEWS_REDIS_URL", "redis://127.0.0.1:1/0")
    settings.set("PARKNEWS_WORKER", "w7")
    config = ParknewsConfig.from_settings(settings)
    assert Path(config.output).name == "parknews-%(time)s-%(worker)s.jsonl"
    assert config.summary_path is not None and config.summary_path.name == "last-run-w7.json"


# --- the round's scripts, on their own ---------------------------------------------


def _request(n: int) -> tuple[float, bytes]:
    return (0.0, f"request-{n}".encode())


def test_a_lease_moves_a_request_to_its_worker_and_a_lapsed_heartbeat_puts_it_back_once(redis_server):
    db = redis_server.client()
    round_id, _, created, queued = start_round(db, {"site": "a"}, [_request(n) for n in range(3)], "w1", 60_000)
    assert (round_id, created, queued) == ("1", True, 3)
    assert start_round(db, {"site": "b"}, [], "w2", 60_000)[:3] == ("1", {"site": "a"}, False)  # joins
    pop, idle = db.register_script(POP), db.register_script(IDLE)
    calls = itertools.count(1)
    first = next(calls)
    field, data = pop(args=[PREFIX, round_id, "w1", first])
    assert pop(args=[PREFIX, round_id, "w1", first]) == [field, data]  # a call retried: the same lease
    assert db.zcard(round_key(round_id, "requests")) == 2
    assert db.hget(round_key(round_id, "processing:w1"), field) == b"0 " + data
    pop(args=[PREFIX, round_id, "w1", next(calls)])
    # w1's heartbeat lapses: the next idle worker re-queues its two requests, and only once
    db.delete(f"{PREFIX}worker:w1:heartbeat")
    _, drained, _, me_reclaimed, _, requeued, *reclaimed = idle(args=[PREFIX, round_id, "w2"])
    assert (requeued, reclaimed, me_reclaimed, drained) == (2, [b"w1"], 0, 0)
    assert db.zcard(round_key(round_id, "requests")) == 3
    assert idle(args=[PREFIX, round_id, "w2"])[5] == 0
    assert not db.exists(round_key(round_id, "processing:w1"))
    # the reclaimed worker, only stalled, takes nothing more and may not publish
    assert pop(args=[PREFIX, round_id, "w1", next(calls)]) is None
    assert db.register_script(PUBLISH)(args=[PREFIX, round_id, "w1", 1000]) == 0
    assert db.register_script(PUBLISH)(args=[PREFIX, round_id, "w2", 1000]) == 1


def test_a_round_drains_to_the_copies_phase_and_its_last_worker_deletes_it(redis_server):
    db = redis_server.client()
    round_id, *_ = start_round(db, {"site": "a"}, [_request(1)], "w1", 60_000)
    pop, idle, leave = db.register_script(POP), db.register_script(IDLE), db.register_script(LEAVE)
    calls = itertools.count(1)
    field, _ = pop(args=[PREFIX, round_id, "w1", next(calls)])
    assert idle(args=[PREFIX, round_id, "w1"])[:2] == [b"copies", 1]  # nothing queued, nobody busy
    # leaving with the lease not released hands it back, and keeps the round
    assert leave(keys=[CURRENT], args=[PREFIX, round_id, "w1"]) == [1, 0]
    assert db.zcard(round_key(round_id, "requests")) == 1 and db.get(CURRENT) == b"1"
    assert db.get(round_key(round_id, "phase")) == b"crawl"
    start_round(db, {"site": "a"}, [], "w2", 60_000)
    field, _ = pop(args=[PREFIX, round_id, "w2", next(calls)])
    db.hdel(round_key(round_id, "processing:w2"), field)  # released with the records
    assert leave(keys=[CURRENT], args=[PREFIX, round_id, "w2"]) == [0, 1]
    assert db.get(CURRENT) is None and not db.keys(f"{PREFIX}round:{round_id}:*")


def test_a_fingerprint_is_claimed_once_per_round_and_freed_when_its_worker_is_reclaimed(redis_server):
    db = redis_server.client()
    round_id, *_ = start_round(db, {"site": "a"}, [], "w1", 60_000)
    start_round(db, {"site": "a"}, [], "w2", 60_000)
    claim = db.register_script(CLAIM)
    claims = round_key(round_id, "claims")

    def ask(worker: str, url: str, fp: str = "fp1") -> bytes | None:
        keys = [FINGERPRINTS, claims, f"{claims}:{worker}", round_key(round_id, "reclaimed")]
        return claim(keys=keys, args=[fp, url, worker])

    assert ask("w1", "http://a/original") is None  # w1 holds it
    assert ask("w2", "http://b/copy") == b"http://a/original"  # the copy on w2 is a duplicate
    assert ask("w2", "http://a/original") is None  # the same page crawled again takes it over
    db.hset(claims, "fp1", "w1\thttp://a/original")
    db.delete(f"{PREFIX}worker:w1:heartbeat")
    db.register_script(IDLE)(args=[PREFIX, round_id, "w2"])
    assert db.hget(claims, "fp1") is None  # freed with the dead worker's leases
    assert ask("w1", "http://a/original") is None and not db.hexists(claims, "fp1")  # reclaimed: claims nothing
    db.hset(FINGERPRINTS, "fp2", "http://a/saved")
    assert ask("w2", "http://b/x", "fp2") == b"http://a/saved"  # an earlier round's article


def test_the_queue_hands_out_hosts_in_turn_each_first_in_first_out_within_a_priority(redis_server):
    db = redis_server.client()
    round_id, *_ = start_round(db, {"site": "a"}, [], "w1", 60_000)
    push = db.register_script(PUSH)
    keys = [round_key(round_id, "dupefilter"), round_key(round_id, "requests"), round_key(round_id, "hosts")]
    pushed = [("a1", 0, "a"), ("a2", 0, "a"), ("a3", 0, "a"), ("b1", 0, "b"), ("b2", 0, "b"), ("retry", -1, "a")]
    pushed += [("redirect", 2, "b"), ("a1", 0, "a")]  # the last one a duplicate: filtered
    added = [push(keys=keys, args=[f"fp-{name}", priority, name, 0, host]) for name, priority, host in pushed]
    assert added == [1, 1, 1, 1, 1, 1, 1, 0]
    order = [name.decode() for name in db.zrange(round_key(round_id, "requests"), 0, -1)]
    assert order == ["redirect", "a1", "b1", "a2", "b2", "a3", "retry"]
    pop = db.register_script(POP)
    assert [pop(args=[PREFIX, round_id, "w1", n])[1] for n in (1, 2, 3)] == [b"redirect", b"a1", b"b1"]


def test_the_walks_pages_go_ahead_of_the_articles_they_list():
    article = Request("http://a/news/1.html", meta={"article_link": True})
    assert (queue_priority(Request("http://a/news/list_2.html")), queue_priority(article)) == (1, 0)
    assert queue_priority(article.replace(priority=-1)) == -1  # a retry keeps Scrapy's adjustment


def test_restart_keeps_the_queue(redis_server):
    db = redis_server.client()
    start_round(db, {"site": "a"}, [_request(n) for n in range(5)], "w1", 60_000)
    redis_server.restart()
    assert redis_server.client().zcard(round_key("1", "requests")) == 5  # the append-only file brought it back
