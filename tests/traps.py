"""Crawl traps for the replay server: lists that never end unless the walk bounds itself.

``ReplayServer(routes=TrapSite())`` mounts these lists under ``/_trap/``; each
is endless or huge whatever the crawler asks for, and everything is generated
here, so the tests know which articles each one really holds:

- ``calendar``: a 下一页 to the day before, forever, every day listing the same articles;
- ``variants``: numbered pages linking to ever new query variants of the list
  (``?p=N&s=<token>``), every page with articles of its own: a list without end;
- ``selflinks``: a few articles among :data:`SELF_LINKS` items that link to
  ``?id=N`` of the list itself, each answered with the list again;
- ``samepath``: articles served at the list's own path as ``?id=N`` (as old
  dynamic sites do), which must all be fetched.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

PREFIX = "/_trap/"
#: Items of the ``selflinks`` list that link back to the list.
SELF_LINKS = 10_000
#: Articles on each page of ``calendar``, ``variants`` and ``selflinks``.
PER_PAGE = 5
#: Articles of the ``samepath`` list.
SAME_PATH_ARTICLES = 6

_PLACES = ("苏州工业园区", "张江科学城", "中关村软件园", "光谷生物城", "南京江北新区", "合肥高新区", "成都天府新区")
_TOPICS = ("签约落地新项目", "举办招商推介会", "发布产业扶持政策", "启动人才公寓建设", "开展企业服务月活动")


def headline(number: int) -> str:
    """A distinct headline for article ``number``."""
    return f"{_PLACES[number % len(_PLACES)]}第{number}批{_TOPICS[number // len(_PLACES) % len(_TOPICS)]}"


def article_path(scenario: str, number: int) -> str:
    return f"{PREFIX}{scenario}/{number}.html"


def calendar_articles() -> list[str]:
    return [article_path("calendar", n) for n in range(1, PER_PAGE + 1)]


def variants_articles(pages: int) -> list[str]:
    """The articles of the first ``pages`` pages of ``variants``."""
    return [article_path("variants", n) for n in range(1, pages * PER_PAGE + 1)]


def selflinks_articles() -> list[str]:
    return [article_path("selflinks", n) for n in range(1, PER_PAGE + 1)]


def samepath_articles() -> list[str]:
    return [f"{PREFIX}samepath/?id={n}" for n in range(1, SAME_PATH_ARTICLES + 1)]


def _article(number: int) -> str:
    title = headline(number)
    words = hashlib.sha256(str(number).encode()).hexdigest()[:12]
    paragraphs = "\n".join(
        f"<p>\u3000\u3000{title}。记者从园区管委会获悉，第{number}号项目编号{words}进展顺利，第{i}阶段工作已经完成。</p>"
        for i in range(1, 4)
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} - 园区动态 - 产城创投</title></head>
<body>
<div class="menu"><a href="/">首页</a> <a href="/news/">新闻中心</a></div>
<div class="pos">您的位置：<a href="/">首页</a> &gt; <a href="/news/">新闻中心</a> &gt; 园区动态 &gt; 正文</div>
<h1>{title}</h1>
<div class="info">发布时间：2024-05-{number % 28 + 1:02d}&nbsp;&nbsp;来源：产城创投&nbsp;&nbsp;点击数：{number}</div>
<div class="content">
{paragraphs}
</div>
</body></html>
"""


def _list(items: list[tuple[str, str]], pagination: str) -> str:
    lines = "\n".join(f'<li><a href="{href}">{text}</a><em>2024-05-01</em></li>' for href, text in items)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>园区动态 - 产城创投</title></head>
<body>
<div class="menu"><a href="/">首页</a> <a href="/news/">新闻中心</a></div>
<div class="pos">您的位置：<a href="/">首页</a> &gt; <a href="/news/">新闻中心</a> &gt; 园区动态</div>
<ul class="news-list">
{lines}
</ul>
<div class="pages">{pagination}</div>
</body></html>
"""


class TrapSite:
    """The trap routes of one server; the tokens it hands out make every variant link new."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens = 0

    def handles(self, path: str) -> bool:
        return path.startswith(PREFIX)

    def close(self) -> None:
        """Nothing is left waiting: every answer is immediate."""

    def serve(self, handler: BaseHTTPRequestHandler, with_body: bool = True) -> None:
        parts = urlsplit(handler.path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        scenario, _, rest = parts.path[len(PREFIX) :].partition("/")
        page: str | None = None
        if rest.endswith(".html") and rest[:-5].isdigit() and scenario in ("calendar", "variants", "selflinks"):
            page = _article(int(rest[:-5]) + {"calendar": 0, "variants": 100, "selflinks": 50_000}[scenario])
        elif rest == "" and scenario == "calendar":
            day = int(query.get("d", "0"))
            items = [(path, headline(n)) for n, path in enumerate(calendar_articles(), start=1)]
            page = _list(items, f'<a href="?d={day + 1}">下一页</a>')
        elif rest == "" and scenario == "variants":
            number = int(query.get("p", "1"))
            first = (number - 1) * PER_PAGE + 1
            items = [(article_path("variants", n), headline(n + 100)) for n in range(first, first + PER_PAGE)]
            page = _list(items, " ".join(f'<a href="?p={n}&s={self._token()}">{n}</a>' for n in range(1, number + 6)))
        elif rest == "" and scenario == "selflinks":
            items = [(path, headline(n + 50_000)) for n, path in enumerate(selflinks_articles(), start=1)]
            items += [(f"?id={n}", f"{headline(n)}（第{n}期）") for n in range(1, SELF_LINKS + 1)]
            page = _list(items, "")
        elif rest == "" and scenario == "samepath":
            if "id" in query:
                page = _article(int(query["id"]) + 90_000)
            else:
                items = [(f"?id={n}", headline(n + 90_000)) for n in range(1, SAME_PATH_ARTICLES + 1)]
                page = _list(items, "")
        body = (page or "<html><body><h1>404 Not Found</h1></body></html>").encode("utf-8")
        handler.send_response(200 if page else 404)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if with_body:
            handler.wfile.write(body)

    def _token(self) -> str:
        """A query value never given before: every link to a page is a new URL."""
        with self._lock:
            self._tokens += 1
            return hashlib.sha256(str(self._tokens).encode()).hexdigest()[:8]
