"""Walks of a list survive being stopped: an unfinished walk is resumed where it
stopped, over any number of runs, and a walk ends early only where an earlier
one walked the list to its end.

The first tests drive ``ListWalk`` over a simulated list that grows and
shrinks between runs; the others stop real crawls of a synthetic site of a few
hundred articles at random moments (SIGINT, SIGTERM, ``-a limit=N``). The seed
of each random test is printed: ``TEST_SEED=<seed> pytest …`` replays it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixtures import generate
from parknews.replay import ReplayServer, crawl_command
from parknews.walks import ListWalk, Stretch
from tests.conftest import ROOT


def seeded(name: str) -> random.Random:
    seed = int(os.environ.get("TEST_SEED") or random.randrange(10**9))
    print(f"{name}: TEST_SEED={seed}")
    return random.Random(seed)


# ----------------------------------------------------------------- the model
class SimulatedList:
    """A list of article URLs, newest first, ``per_page`` to a page."""

    def __init__(self, per_page: int) -> None:
        self.per_page = per_page
        self.articles: list[str] = []
        self._serial = 0

    def publish(self, count: int) -> None:
        new = [f"/a/{self._serial + i}" for i in range(count)]
        self._serial += count
        self.articles[:0] = reversed(new)

    def page(self, position: int) -> list[str]:
        start = (position - 1) * self.per_page
        return self.articles[start : start + self.per_page]

    def next_page(self, position: int) -> str | None:
        return f"/list/{position + 1}" if position * self.per_page < len(self.articles) else None


def walk_once(
    site: SimulatedList,
    state: set[str],
    stretches: tuple[Stretch, ...],
    rng: random.Random | None,
    walk_all: bool = False,
) -> tuple[tuple[Stretch, ...], set[str], int]:
    """One run's walk as the spider makes it. ``rng``: stop it at a random page,
    with a random part of the articles it opened exported (the rest were in flight
    or queued): a random few, or the first ones. Returns the stretches then
    recorded, the articles exported, the pages read."""
    walk = ListWalk("/list/1", () if walk_all else stretches, walk_all=walk_all, max_pages=1000)
    stop_at = rng.randint(1, max(1, len(site.articles) // site.per_page + 1)) if rng else None
    opened: list[str] = []
    turn_next: tuple[str, int] | None = ("/list/1", 1)
    while turn_next is not None:
        url, position = turn_next
        links = site.page(position)
        known = set() if walk_all else {link for link in links if link in state}
        turn = walk.read(url, position, links, known, site.next_page(position))
        opened += turn.follow
        turn_next = turn.next
        if stop_at is not None and len(walk.pages) >= stop_at:
            break
    if rng is None:
        exported = set(opened)
    elif rng.random() < 0.5:
        exported = {link for link in opened if rng.random() < 0.5}
    else:
        exported = set(opened[: rng.randint(0, len(opened))])
    exported -= state  # a full walk opens known articles too: the pipeline drops them
    after = state | exported
    recorded = walk.recorded(lambda link: link in after)
    return (stretches if recorded is None else recorded), exported, len(walk.pages)


def test_any_number_of_stopped_walks_then_one_plain_walk_exports_every_article_once():
    rng = seeded("walks")
    for _ in range(400):
        site = SimulatedList(per_page=rng.choice([3, 5, 10]))
        site.publish(rng.randint(0, 80))
        state: set[str] = set()
        stretches: tuple[Stretch, ...] = ()
        for _ in range(rng.randint(1, 6)):
            stretches, exported, _ = walk_once(site, state, stretches, rng, walk_all=rng.random() < 0.2)
            assert not exported & state  # nothing exported twice
            state |= exported
            site.publish(rng.randint(0, 2 * site.per_page))  # a later day
            # articles taken down: up to a page's worth (the walk reads the page before its stop again)
            for gone in rng.sample(site.articles, min(len(site.articles), rng.randint(0, site.per_page))):
                site.articles.remove(gone)
        stretches, exported, _ = walk_once(site, state, stretches, None)
        assert not exported & state
        state |= exported
        assert set(site.articles) <= state, f"lost: {sorted(set(site.articles) - state)}"
        # and a walk of the unchanged list costs its first page again
        stretches, exported, pages = walk_once(site, state, stretches, None)
        assert (exported, pages) == (set(), 1)
        assert stretches == (Stretch(tuple(site.page(1))),)


def test_a_walk_stops_at_known_articles_only_where_the_list_was_walked_to_its_end():
    site = SimulatedList(per_page=5)
    site.publish(30)
    first = ListWalk("/list/1", (), walk_all=False, max_pages=100)
    turn = first.read("/list/1", 1, site.page(1), set(site.page(1)), site.next_page(1))
    assert turn.next == ("/list/2", 2)  # never walked to its end: known articles do not end it
    unfinished = (Stretch(tuple(site.page(1)), "/list/3", 3),)
    second = ListWalk("/list/1", unfinished, walk_all=False, max_pages=100)
    turn = second.read("/list/1", 1, site.page(1), set(site.page(1)), site.next_page(1))
    assert turn.next == ("/list/3", 3) and turn.why.startswith("resumed")  # straight to where it stopped
    done = ListWalk("/list/1", (Stretch(tuple(site.page(1))),), walk_all=False, max_pages=100)
    turn = done.read("/list/1", 1, site.page(1), set(site.page(1)), site.next_page(1))
    assert turn.next is None and done.ended


def test_a_walk_is_recorded_only_as_far_as_its_articles_are():
    site = SimulatedList(per_page=5)
    site.publish(20)
    walk = ListWalk("/list/1", (), walk_all=False, max_pages=100)
    for position in (1, 2, 3):
        walk.read(f"/list/{position}", position, site.page(position), set(), site.next_page(position))
    exported = set(site.page(1)) | set(site.page(2)[:4]) | set(site.page(3))  # one article of page 2 not yet
    assert walk.recorded(lambda link: link in exported) == (Stretch(tuple(site.page(1)), "/list/1", 1),)
    assert walk.recorded(lambda link: False) is None


# ---------------------------------------------------------- real crawls
#: Articles of the synthetic site, and list pages of ten: about ten pages per category.
SITE_ARTICLES, PER_PAGE = 300, 10


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> tuple[Path, Path, set[str], set[str]]:
    """The synthetic site, and the same site on a later day with a dozen new articles on top."""
    root = tmp_path_factory.mktemp("walk-sites")
    articles = generate.synthetic_articles(SITE_ARTICLES)
    later = generate.synthetic_articles(12, seed=1, start_id=20000)
    for a in later:
        a["date"] = "2025-06-" + a["date"][-2:]  # newer than any, so on top of their lists
    generate.build_site(root / "day1", articles, per_page=PER_PAGE, check=False)
    generate.build_site(root / "day2", articles + later, per_page=PER_PAGE, check=False)
    paths = {generate.Site.url(a) for a in articles}
    return root / "day1", root / "day2", paths, paths | {generate.Site.url(a) for a in later}


def exported(out: Path) -> list[str]:
    return (
        [urlsplit(json.loads(line)["url"]).path for line in out.read_text("utf-8").splitlines()] if out.exists() else []
    )


def stopped_run(server: ReplayServer, out: Path, state: Path, how: str, rng: random.Random) -> tuple[int, str]:
    """A run stopped as ``how`` says, at a random moment; its exit code and what was done."""
    if how == "limit":
        limit = rng.randint(1, 60)
        proc = subprocess.run(
            crawl_command(server.url, out, state, "-a", f"limit={limit}"), cwd=ROOT, capture_output=True, timeout=120
        )
        return proc.returncode, f"limit={limit}"
    sent = len(server.requests)
    after = rng.randint(3, 150)
    crawl = subprocess.Popen(
        crawl_command(server.url, out, state), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while not server.wait_for(lambda reqs: len(reqs) >= sent + after, 0.5):
        if crawl.poll() is not None:
            break  # done before its moment came
    crawl.send_signal(getattr(signal, how))
    return crawl.wait(timeout=120), f"{how} after {after} requests"


def test_runs_stopped_at_random_moments_then_plain_runs_export_every_article_once(sites, tmp_path):
    rng = seeded("stopped runs")
    day1, day2, first_articles, all_articles = sites
    state = tmp_path / "state.sqlite"
    outputs: list[Path] = []
    story: list[str] = []
    with ReplayServer(day1) as server:
        for n in range(5):
            if n == 3:
                server.use(day2)  # new articles while walks are unfinished
            out = tmp_path / f"stopped{n}.jsonl"
            code, how = stopped_run(server, out, state, rng.choice(["SIGINT", "SIGTERM", "limit"]), rng)
            story.append(f"{how}: exit {code}, {len(exported(out))} exported")
            assert code in (0, 130, 143), story
            outputs.append(out)
        plain = tmp_path / "plain.jsonl"
        proc = subprocess.run(crawl_command(server.url, plain, state), cwd=ROOT, capture_output=True, timeout=180)
        story.append(f"plain run: exit {proc.returncode}, {len(exported(plain))} exported")
        outputs.append(plain)
        server.requests.clear()
        again = tmp_path / "again.jsonl"
        proc_again = subprocess.run(crawl_command(server.url, again, state), cwd=ROOT, capture_output=True, timeout=180)
    paths = [path for out in outputs for path in exported(out)]
    assert proc.returncode == 0, story
    assert sorted(paths) == sorted(set(paths)), f"repeated: {story}"
    assert set(paths) >= all_articles - first_articles and set(paths) == all_articles, (
        f"lost {len(all_articles - set(paths))}: {story}"
    )
    # and the state is as a complete crawl leaves it: the next run reads the first page of each list
    assert proc_again.returncode == 0 and exported(again) == []
    assert sorted(p for p in server.requests if p != "/robots.txt") == [
        "/",
        "/news/",
        "/news/dfzt/",
        "/news/yqdt/",
        "/news/zcjd/",
    ]


def list_pages(requests: list[str], category: str) -> list[str]:
    return [p for p in requests if p == f"/news/{category}/" or p.startswith(f"/news/{category}/index_")]


def test_a_list_longer_than_the_page_limit_is_walked_on_by_the_next_run(sites, tmp_path):
    day1, _, _, _ = sites
    start = "news/yqdt/"
    state = tmp_path / "state.sqlite"
    seen: list[str] = []
    runs: list[tuple[list[str], str]] = []
    with ReplayServer(day1) as server:
        assert len(list_pages(list(server.pages), "yqdt")) == 10
        for n in range(4):
            server.requests.clear()
            out = tmp_path / f"run{n}.jsonl"
            cmd = crawl_command(server.url + start, out, state, "-s", "PARKNEWS_MAX_LIST_PAGES=4")
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stderr[-3000:]
            runs.append((list_pages(server.requests, "yqdt"), proc.stderr))
            seen += exported(out)
    category = {generate.Site.url(a) for a in generate.synthetic_articles(SITE_ARTICLES) if a["cat"] == "yqdt"}
    assert sorted(seen) == sorted(category)  # every article once, over the runs
    pages, log = runs[0]
    assert pages == ["/news/yqdt/", "/news/yqdt/index_2.html", "/news/yqdt/index_3.html", "/news/yqdt/index_4.html"]
    assert f"List {server.url}{start}: walk stopped after 4 pages (PARKNEWS_MAX_LIST_PAGES)" in log
    # the next run reads the first page, then goes on from the last page the first one finished
    pages, log = runs[1]
    assert pages == ["/news/yqdt/", "/news/yqdt/index_4.html", "/news/yqdt/index_5.html", "/news/yqdt/index_6.html"]
    assert "going on at page 4" in log
    pages, log = runs[3]
    assert pages == ["/news/yqdt/", "/news/yqdt/index_8.html", "/news/yqdt/index_9.html", "/news/yqdt/index_10.html"]
    assert "PARKNEWS_MAX_LIST_PAGES" not in log  # the end of the list
