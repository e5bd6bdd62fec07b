"""A site whose article pages try to make the browser leave it.

``ReplayServer(routes=HostileSite(articles(aims)))`` serves, under
``/_hostile/``, a category list of ordinary articles whose click count only
``fetch()`` shows. Each page also tries ways out of the site — an iframe, a
form, a popup, a WebSocket, a worker, WebRTC… (:data:`VECTORS`) — each aimed
at a target of its own: a listener on another host or port
(``tests/listeners.py``), so whatever arrives there says which way it took.
A way out that takes the page away (a navigation) gets a page of its own;
the others share one page per target host. The helpers they use (a
redirect, a worker script) are on the site itself, as on a hostile site.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, urlsplit

PREFIX = "/_hostile/"
LIST_PATH = PREFIX + "list/"
_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Vector:
    """One way out: markup for the page's ``<head>`` and ``<body>``, script run
    once the page is parsed (just before the page asks for its click count),
    and response headers. Each is a template of the target: ``{http}`` is its
    ``http://host:port``, ``{ws}`` its ``ws://host:port``, ``{hostport}``,
    ``{port}``, and ``{q}`` / ``{qws}`` the URL ``{http}/name`` / ``{ws}/name``
    quoted for a query."""

    name: str
    body: str = ""
    script: str = ""
    head: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    #: it takes the page away (a navigation): it needs a page of its own
    alone: bool = False
    #: the page's own scripts still run (False: it navigates while it is parsed,
    #: which stops the parser, so the page never asks for its click count)
    keeps_count: bool = True
    #: the only target host it can be aimed at (None: any)
    only: str | None = None


def _rtc(server: str) -> str:
    """A peer connection gathering candidates against one ICE server (STUN over UDP, TURN over TCP)."""
    return (
        "var pc = new RTCPeerConnection({{iceServers: [" + server + "]}}); pc.createDataChannel('x');"
        " pc.createOffer().then(function (o) {{ return pc.setLocalDescription(o); }});"
        " (window.peers = window.peers || []).push(pc);"  # kept from the garbage collector
    )


def _insert(html: str) -> str:
    return f"document.body.insertAdjacentHTML('beforeend', '{html}');"


VECTORS: tuple[Vector, ...] = (
    # --- frames and embedded documents
    Vector("iframe", '<iframe src="{http}/iframe"></iframe>'),
    Vector(
        "srcdoc",
        "<iframe srcdoc=\"&lt;script&gt;fetch('{http}/srcdoc', {{mode: 'no-cors'}})&lt;/script&gt;\"></iframe>",
    ),
    Vector(
        "srcdoc-top",
        script=_insert("<iframe srcdoc=\"<script>top.location = \\'{http}/srcdoc-top\\'<\\/script>\"></iframe>"),
        alone=True,
    ),
    Vector("object", '<object data="{http}/object" type="text/html"></object>'),
    Vector("embed", '<embed src="{http}/embed" type="text/html">'),
    # --- the page navigates away
    Vector(
        "form",
        '<form id="f" action="{http}/form" method="post"><input name="q" value="1"></form>',
        'document.getElementById("f").submit();',
        alone=True,
    ),
    Vector("location", script='location.href = "{http}/location";', alone=True),
    Vector("timer", script='setTimeout(function () {{ location.href = "{http}/timer"; }}, 0);', alone=True),
    # Built by script, not written as a <meta> tag: Scrapy itself would follow one (this tests the browser).
    Vector(
        "meta-refresh",
        script='var m = document.createElement("meta"); m.httpEquiv = "refresh";'
        ' m.content = "0;url={http}/meta-refresh"; document.head.appendChild(m);',
        alone=True,
    ),
    Vector("click", '<a id="c" href="{http}/click">更多</a>', 'document.getElementById("c").click();', alone=True),
    Vector(
        "click-handler",
        '<div id="h">展开</div>',
        'var h = document.getElementById("h");'
        ' h.addEventListener("click", function () {{ location.assign("{http}/click-handler"); }});'
        ' h.dispatchEvent(new MouseEvent("click", {{bubbles: true}}));',
        alone=True,
    ),
    Vector("redirect", script='location.href = "/_hostile/redirect?to={q}";', alone=True),
    Vector("while-parsing", '<script>location.href = "{http}/while-parsing";</script>', alone=True, keeps_count=False),
    # --- popups
    Vector("popup", script='window.open("{http}/popup");'),
    Vector("popup-noopener", script='window.open("{http}/popup-noopener", "_blank", "noopener");'),
    Vector(
        "form-popup",
        '<form id="g" action="{http}/form-popup" method="post" target="_blank"></form>',
        'document.getElementById("g").submit();',
    ),
    Vector(
        "click-popup",
        '<a id="b" href="{http}/click-popup" target="_blank">更多</a>',
        'document.getElementById("b").click();',
    ),
    # --- subresources
    Vector("img", '<img src="{http}/img.png">'),
    Vector("script", '<script src="{http}/script.js"></script>'),
    Vector("stylesheet", head='<link rel="stylesheet" href="{http}/stylesheet.css">'),
    Vector("css-import", '<style>@import url("{http}/css-import.css");</style>'),
    Vector(
        "font",
        "<style>@font-face {{font-family: x; src: url({http}/font.woff)}} .x {{font-family: x}}</style>"
        '<span class="x">字</span>',
    ),
    Vector("video", '<video src="{http}/video.mp4" autoplay muted></video>'),
    Vector("import", '<script type="module">import("{http}/import.js")</script>'),
    Vector("prefetch", head='<link rel="prefetch" href="{http}/prefetch">'),
    Vector("preload", head='<link rel="preload" as="script" href="{http}/preload.js">'),
    Vector("fetch", script='fetch("{http}/fetch", {{mode: "no-cors"}});'),
    Vector("named-host", script='fetch("http://localhost:{port}/named-host", {{mode: "no-cors"}});', only="127.0.0.1"),
    Vector("redirect-fetch", script='fetch("/_hostile/redirect?to={q}", {{mode: "no-cors"}});'),
    Vector("xhr", script='var x = new XMLHttpRequest(); x.open("GET", "{http}/xhr"); x.send();'),
    Vector("beacon", script='navigator.sendBeacon("{http}/beacon", "x");'),
    Vector(
        "unload-beacon",
        script='addEventListener("pagehide", function () {{ navigator.sendBeacon("{http}/unload-beacon", "x"); }});',
    ),
    Vector("eventsource", script='new EventSource("{http}/eventsource");'),
    Vector("ping", '<a id="p" href="#top" ping="{http}/ping">顶部</a>', 'document.getElementById("p").click();'),
    # --- what the browser fetches or sends by itself
    Vector("favicon", head='<link rel="icon" href="{http}/favicon.ico">'),
    Vector(
        "csp-report",
        '<img src="/_hostile/none.png">',
        headers=(("Content-Security-Policy-Report-Only", "img-src 'none'; report-uri {http}/csp-report"),),
    ),
    # --- sockets and workers
    Vector("websocket", script='new WebSocket("{ws}/websocket");'),
    Vector("worker-fetch", script='new Worker("/_hostile/worker.js?fetch={q}");'),
    Vector("worker-websocket", script='new Worker("/_hostile/worker.js?ws={qws}");'),
    Vector("shared-worker", script='new SharedWorker("/_hostile/worker.js?fetch={q}");'),
    Vector("service-worker", script='navigator.serviceWorker.register("/_hostile/worker.js?fetch={q}");'),
    # --- a bare TCP connection (TURN) and UDP (STUN)
    Vector("webrtc-turn", script=_rtc('{{urls: "turn:{hostport}?transport=tcp", username: "u", credential: "p"}}')),
    Vector("webrtc-stun", script=_rtc('{{urls: "stun:{hostport}"}}')),
)


@dataclass(frozen=True)
class Aim:
    """A vector aimed at one target (``host:port``)."""

    vector: Vector
    target: str

    @property
    def host(self) -> str:
        return self.target.rsplit(":", 1)[0]

    def fill(self, template: str) -> str:
        http, ws = f"http://{self.target}", f"ws://{self.target}"
        return template.format(
            http=http,
            ws=ws,
            hostport=self.target,
            port=self.target.rsplit(":", 1)[1],
            q=quote(f"{http}/{self.vector.name}", safe=""),
            qws=quote(f"{ws}/{self.vector.name}", safe=""),
        )


@dataclass(frozen=True)
class Article:
    """One hostile article: an ordinary article page, plus its aims."""

    number: int
    aims: tuple[Aim, ...]

    @property
    def path(self) -> str:
        return f"{PREFIX}{self.number}.html"

    @property
    def title(self) -> str:
        return f"园区第{self.number}号项目建设推进会召开"

    @property
    def clicks(self) -> int:
        """The count its hits endpoint answers."""
        return self.number - 900

    @property
    def shown_clicks(self) -> int | None:
        """The count the page shows in a browser that stays on the site."""
        return self.clicks if all(aim.vector.keeps_count for aim in self.aims) else None

    @property
    def published(self) -> str:
        return f"2024-05-{1 + self.number % 28:02d}"

    @property
    def paragraphs(self) -> tuple[str, str, str]:
        n = self.number
        return (
            f"5月{1 + n % 28}日，园区召开项目建设推进会，通报今年第{n}号重点项目的建设进展，"
            "现场协调解决企业在用地、用工和融资方面遇到的问题。",
            "会议指出，园区要围绕主导产业延链补链强链，加快标准化厂房和配套设施建设，确保项目早开工、早投产、早见效。"
            f"截至目前，园区在建项目{n % 50 + 10}个。",
            "下一步，园区将健全项目全周期服务机制，落实专人跟踪对接，持续优化营商环境，为高质量发展提供有力支撑。",
        )

    def headers(self) -> dict[str, str]:
        return {name: aim.fill(value) for aim in self.aims for name, value in aim.vector.headers}

    def html(self) -> str:
        head = "\n".join(aim.fill(aim.vector.head) for aim in self.aims)
        body = "\n".join(aim.fill(aim.vector.body) for aim in self.aims)
        # Each vector's script in a scope of its own, so that vectors sharing a page share no variable.
        script = "\n".join(f"(function () {{ {aim.fill(aim.vector.script)} }})();" for aim in self.aims)
        n = self.number
        paragraphs = "\n".join(f"<p>\u3000\u3000{p}</p>" for p in self.paragraphs)
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{self.title} - 园区动态 - 产城创投</title>
{head}
</head>
<body>
<div class="menu"><a href="/">首页</a> <a href="/news/">新闻中心</a></div>
<div class="pos">您的位置：<a href="/">首页</a> &gt; <a href="/news/">新闻中心</a> &gt; \
<a href="{LIST_PATH}">园区动态</a> &gt; 正文</div>
<div class="art">
<h1>{self.title}</h1>
<div class="art-info">发布时间：{self.published}&nbsp;&nbsp;来源：园区日报&nbsp;&nbsp;阅读 <em id="hits"></em></div>
<div class="art-con">
{paragraphs}
</div>
</div>
{body}
<script>
{script}
fetch("{PREFIX}hits?n={n}").then(function (r) {{ return r.json(); }})
  .then(function (d) {{ document.getElementById("hits").textContent = d.hits; }});
</script>
</body>
</html>
"""


def articles(aims: list[Aim]) -> list[Article]:
    """The pages for these aims, numbered from 1001 (article ids have digits
    enough): a page of its own for each aim that takes the page away, one
    page per target host for all the others."""
    alone = [(aim,) for aim in aims if aim.vector.alone]
    shared: dict[str, list[Aim]] = {}
    for aim in aims:
        if not aim.vector.alone:
            shared.setdefault(aim.host, []).append(aim)
    groups = alone + [tuple(group) for group in shared.values()]
    return [Article(1001 + i, group) for i, group in enumerate(groups)]


_WORKER_JS = """
var q = new URLSearchParams(location.search);
if (q.get("fetch")) fetch(q.get("fetch"), {mode: "no-cors"});
if (q.get("ws")) new WebSocket(q.get("ws"));
"""


class HostileSite:
    """The routes of the hostile pages, for ``ReplayServer(routes=…)``."""

    def __init__(self, pages: list[Article]) -> None:
        self.pages = {a.path: a for a in pages}
        self.by_number = {a.number: a for a in pages}

    def handles(self, path: str) -> bool:
        return path == "/robots.txt" or path.startswith(PREFIX)

    def close(self) -> None:
        pass

    def serve(self, handler: BaseHTTPRequestHandler, with_body: bool = True) -> None:
        try:
            self._answer(handler, with_body)
        except OSError:
            handler.close_connection = True  # the browser closed the page before the answer

    def _answer(self, handler: BaseHTTPRequestHandler, with_body: bool) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        if parts.path == "/robots.txt":
            self._send(handler, 200, b"User-agent: *\nAllow: /\n", "text/plain", with_body)
        elif parts.path == LIST_PATH:
            self._send(handler, 200, self._list_html().encode(), _HTML, with_body)
        elif parts.path in self.pages:
            page = self.pages[parts.path]
            self._send(handler, 200, page.html().encode(), _HTML, with_body, page.headers())
        elif parts.path == PREFIX + "hits":
            clicks = self.by_number[int(query["n"][0])].clicks
            self._send(handler, 200, json.dumps({"hits": clicks}).encode(), "application/json", with_body)
        elif parts.path == PREFIX + "redirect":
            self._send(handler, 302, b"", None, with_body, {"Location": query["to"][0]})
        elif parts.path == PREFIX + "worker.js":
            self._send(handler, 200, _WORKER_JS.encode(), "text/javascript", with_body)
        else:
            self._send(handler, 404, b"", None, with_body)

    def _list_html(self) -> str:
        items = "\n".join(f'<li><a href="{a.path}">{a.title}</a><em>2024-05-01</em></li>' for a in self.pages.values())
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>园区动态 - 产城创投</title></head>
<body>
<div class="pos">您的位置：<a href="/">首页</a> &gt; <a href="/news/">新闻中心</a> &gt; 园区动态</div>
<ul class="news-list">
{items}
</ul>
</body>
</html>
"""

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str | None,
        with_body: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if with_body:
            handler.wfile.write(body)
