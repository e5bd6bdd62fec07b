"""A misbehaving site for the replay server: the faults a live crawl meets.

``ReplayServer(routes=FaultSite())`` mounts these routes under ``/_fault/`` and
answers ``/robots.txt`` with :data:`ROBOTS_TXT`. Each scenario is a category
list at ``/_fault/<scenario>/`` that links to good articles and to pages that
misbehave in one way, so a test can check that the fault is handled *and*
that the rest of the crawl still exports every good article exactly once.

Everything is generated here (no fixture files), so the expected values of
each article are known to the tests without parsing anything.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

PREFIX = "/_fault/"
#: Disallows one section, so the robots middleware has something to honour.
ROBOTS_TXT = "User-agent: *\nDisallow: /_fault/private/\n"

#: Size of the oversized responses: far above any news page.
HUGE_SIZE = 20 * 1024 * 1024
#: How long the slow page stalls mid-body; tests set DOWNLOAD_TIMEOUT far lower.
#: The stall ends early when the server stops, so no test waits for it.
SLOW_SECONDS = 30.0
#: The long-line page is at least this big, all on one line.
LONG_LINE_SIZE = 2 * 1024 * 1024

# Faults whose page is an article that must be exported (once) despite the fault.
EXPORTED = frozenset({"article", "503-twice", "unclosed", "stray-end", "nul", "bad-utf8", "long-line"})
# Articles whose markup or bytes are broken (see malformed_body).
MALFORMED = frozenset({"unclosed", "stray-end", "nul", "bad-utf8", "long-line"})
# Pages that exist only as bait: requesting one at all is the failure.
NEVER_REQUESTED = frozenset({"lure", "private", "elsewhere"})
#: Where the "offsite" scenario's other server is, unless a test runs one: the
#: same host, another port (the discard port, where nothing listens).
NOWHERE = "http://127.0.0.1:9/"

#: scenario -> (article number, fault) for every page its list links to.
SCENARIOS: dict[str, tuple[tuple[int, str], ...]] = {
    "flaky": ((3101, "article"), (3102, "article"), (3103, "503-twice")),
    "gone": ((3201, "article"), (3202, "article"), (3203, "404"), (3204, "410")),
    "broken": ((3301, "article"), (3302, "article"), (3303, "reset"), (3304, "short")),
    "slow": ((3401, "article"), (3402, "article"), (3403, "slow")),
    "redirect": ((3501, "article"), (3502, "article"), (3503, "loop"), (3504, "endless")),
    "huge": ((3601, "article"), (3602, "article"), (3603, "huge"), (3604, "huge-chunked")),
    "binary": (
        (3701, "article"),
        (3702, "article"),
        (3703, "pdf"),
        (3704, "jpeg"),
        (3705, "pdf-untyped"),
        (3706, "jpeg-as-html"),
    ),
    "malformed": (
        (3801, "article"),
        (3802, "unclosed"),
        (3803, "stray-end"),
        (3804, "nul"),
        (3805, "bad-utf8"),
        (3806, "long-line"),
    ),
    "links": ((3901, "article"), (3902, "article")),
    "robots": ((4001, "article"), (4002, "article"), (4003, "private"), (4004, "private")),
    # a link to, and a redirect to, the same host on another port: another site
    "offsite": ((4101, "article"), (4102, "article"), (4103, "elsewhere"), (4104, "redirect-elsewhere")),
}

# Link targets of the "links" scenario that look like articles but must never
# be requested: other schemes, and other hosts (``localhost`` is this very
# server under another name, so a request that slipped through would show up
# in ``ReplayServer.requests`` without leaving the machine).
HOSTILE_LINKS = (
    ("javascript:void(0)", 3911),
    ("JavaScript:window.open('/_fault/links/3912.html')", 3912),
    (" java\tscript:openArticle(3913)", 3913),
    ("mailto:editor@example.com?subject=3914", 3914),
    ("tel:+86-760-88261703", 3915),
    ("data:text/html,<p>3916</p>", 3916),
    ("ftp://127.0.0.1/_fault/links/3917.html", 3917),
    ("http://localhost:{port}/_fault/links/3918.html", 3918),
    ("//localhost:{port}/_fault/links/3919.html", 3919),
    ("http://127.0.0.1:{port}@localhost:{port}/_fault/links/3920.html", 3920),
)

_PLACES = ("中山火炬", "龙岩经开", "宜宾三江", "上杭蛟洋", "漳州台商", "赣州章贡", "柳州柳东", "株洲高新", "南宁五象")
_TOPICS = (
    "重点项目推进会召开",
    "标准化厂房建设提速",
    "企业服务中心推出便企举措",
    "数字化管理平台上线运行",
    "招商对接会集中签约",
    "新材料产业集群加快成形",
)
_SOURCE = "园区日报"
_CATEGORY = "园区动态"


@dataclass(frozen=True)
class Route:
    scenario: str
    number: int
    fault: str
    index: int

    @property
    def path(self) -> str:
        folder = "private" if self.fault == "private" else self.scenario
        return f"{PREFIX}{folder}/{self.number}.html"

    @property
    def exported(self) -> bool:
        return self.fault in EXPORTED

    @property
    def title(self) -> str:
        return f"{_PLACES[self.index % len(_PLACES)]}园区{_TOPICS[self.index // len(_PLACES) % len(_TOPICS)]}"

    @property
    def published(self) -> str:
        return f"2024-{1 + self.index % 12:02d}-{1 + self.index % 28:02d}"

    @property
    def clicks(self) -> int:
        return self.number - 2000

    @property
    def source(self) -> str:
        return _SOURCE

    @property
    def category(self) -> str:
        return _CATEGORY

    @property
    def paragraphs(self) -> tuple[str, str, str]:
        place = _PLACES[self.index % len(_PLACES)]
        month, day = int(self.published[5:7]), int(self.published[8:])
        return (
            f"{month}月{day}日，{place}园区召开项目建设推进会，通报今年第{self.number}号重点项目的建设进展，"
            "现场协调解决企业在用地、用工和融资方面遇到的问题。",
            "会议指出，园区要围绕主导产业延链补链强链，加快标准化厂房和配套设施建设，确保项目早开工、早投产、早见效。"
            f"截至目前，园区在建项目{self.number % 50 + 10}个，完成投资{self.number % 97 + 12}亿元。",
            "下一步，园区将健全项目全周期服务机制，落实专人跟踪对接，持续优化营商环境，为高质量发展提供有力支撑。",
        )


ROUTES: dict[str, Route] = {}
for _scenario, _entries in SCENARIOS.items():
    for _number, _fault in _entries:
        _route = Route(_scenario, _number, _fault, len(ROUTES))
        ROUTES[_route.path] = _route
for _href, _number in HOSTILE_LINKS:
    _route = Route("links", _number, "lure", len(ROUTES))
    ROUTES[_route.path] = _route
if len(ROUTES) > len(_PLACES) * len(_TOPICS):
    raise RuntimeError("fault routes outnumber the distinct titles")


def routes(scenario: str, *faults: str) -> list[Route]:
    """The pages a scenario's list links to (optionally of some faults only):
    tests pick what to assert on by fault, never by number."""
    return [r for r in ROUTES.values() if r.scenario == scenario and (not faults or r.fault in faults)]


def list_path(scenario: str) -> str:
    return f"{PREFIX}{scenario}/"


# ------------------------------------------------------------------ pages
def article_html(route: Route) -> str:
    """A UTF-8 article page in the layout of the site's newer templates."""
    paragraphs = "\n".join(f"<p>\u3000\u3000{p}</p>" for p in route.paragraphs)
    gap = "&nbsp;&nbsp;"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{route.title} - {route.category} - 产城创投</title>
</head>
<body>
<div class="menu"><a href="/">首页</a> <a href="/news/">新闻中心</a> <a href="/about/">关于我们</a></div>
<div class="pos">您的位置：<a href="/">首页</a> &gt; <a href="/news/">新闻中心</a> &gt; \
<a href="{list_path(route.scenario)}">{route.category}</a> &gt; 正文</div>
<div class="art">
<h1>{route.title}</h1>
<div class="art-info">发布时间：{route.published}{gap}来源：{route.source}{gap}点击数：{route.clicks}</div>
<div class="art-con">
{paragraphs}
</div>
<div class="share-bar">分享到：<a title="分享到微信">微信</a> <a title="分享到微博">微博</a></div>
</div>
<div id="ft">Copyright &copy; 2015-2024 产城创投/园区梦工场 版权所有</div>
</body>
</html>
"""


def list_html(scenario: str, port: int, elsewhere: str = NOWHERE) -> str:
    linked = [r for r in routes(scenario) if r.fault != "lure"]
    items = [
        f'<li><a href="{elsewhere.rstrip("/") if r.fault == "elsewhere" else ""}{r.path}">{r.title}</a>'
        f"<em>{r.published}</em></li>"
        for r in linked
    ]
    if scenario == "links":
        for href, number in HOSTILE_LINKS:
            title = ROUTES[f"{PREFIX}links/{number}.html"].title
            items.append(f'<li><a href="{href.format(port=port)}">{title}</a><em>2024-06-01</em></li>')
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{_CATEGORY} - 产城创投</title></head>
<body>
<div class="menu"><a href="/">首页</a> <a href="/news/">新闻中心</a></div>
<div class="pos">您的位置：<a href="/">首页</a> &gt; <a href="/news/">新闻中心</a> &gt; {_CATEGORY}</div>
<ul class="news-list">
{chr(10).join(items)}
</ul>
</body>
</html>
"""


def malformed_body(route: Route) -> bytes:
    """The article with its markup or bytes broken in the way the fault names."""
    html = article_html(route)
    if route.fault == "unclosed":
        for tag in ("</p>", "</div>", "</li>", "</body>", "</html>"):
            html = html.replace(tag, "")
        html = html.replace('<div class="art-con">', '<div class="art-con"><table><tr><td><b><font color="red">')
        return html.encode("utf-8")
    if route.fault == "stray-end":
        # what a footer include in the middle of the template leaves behind
        first = f"{route.paragraphs[0]}</p>"
        return html.replace(first, first + "\n</body></html>\n", 1).encode("utf-8")
    if route.fault == "nul":
        p0, p1 = route.paragraphs[0], route.paragraphs[1]
        html = html.replace(p0, p0[:10] + "\x00" + p0[10:], 1).replace(p1, "\x00\x00" + p1, 1)
        html = html.replace("<h1>", "<h1>\x00", 1)
        return html.encode("utf-8")
    if route.fault == "bad-utf8":
        # a lone continuation byte, a truncated 3-byte sequence, an encoded
        # surrogate, an overlong form and bytes that never occur in UTF-8
        junk = b"\x80\xe5\x9b\xed\xa0\x80\xc0\xaf\xfe\xff"
        data = html.encode("utf-8")
        second = route.paragraphs[1].encode("utf-8")
        data = data.replace(second, second + junk, 1)
        return data.replace(b"</h1>", b"</h1><p>" + junk + b"</p>", 1)
    if route.fault == "long-line":
        # A minified page: one line, an inline data-URI picture and inline
        # script state of a megabyte each.
        picture = "A" * (LONG_LINE_SIZE // 2)
        entry = '{"k":"园区"},'
        state = "var __STATE__=[" + entry * (LONG_LINE_SIZE // 2 // len(entry.encode()) + 1) + "0];"
        html = html.replace("\n", "")
        html = html.replace("</h1>", f'</h1><img src="data:image/png;base64,{picture}">', 1)
        html = html.replace("</body>", f"<script>{state}</script></body>", 1)
        return html.encode("utf-8")
    raise ValueError(f"not a malformed page: {route.fault}")


_PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 8 + b"\xff\xd9"
_HTML = "text/html; charset=utf-8"


# ----------------------------------------------------------------- server
class FaultSite:
    """The fault routes of one server. State (the 503 counters, the request
    log) lives per instance, so each test's server starts from zero.
    ``elsewhere`` is the other server the "offsite" scenario links and
    redirects to."""

    def __init__(self, elsewhere: str = NOWHERE) -> None:
        self.elsewhere = elsewhere
        self._lock = threading.Lock()
        self._hits: dict[str, int] = {}
        self._closing = threading.Event()
        #: (path with query, User-Agent) of every request, in arrival order
        self.seen: list[tuple[str, str]] = []

    def handles(self, path: str) -> bool:
        return path == "/robots.txt" or path.startswith(PREFIX)

    def close(self) -> None:
        """Wake the stalled responses, so the server can stop at once."""
        self._closing.set()

    def serve(self, handler: BaseHTTPRequestHandler, with_body: bool = True) -> None:
        parts = urlsplit(handler.path)
        path = parts.path
        with self._lock:
            self.seen.append((handler.path, handler.headers.get("User-Agent", "")))
        try:
            if path == "/robots.txt":
                self._send(handler, 200, ROBOTS_TXT.encode(), "text/plain; charset=utf-8", with_body)
                return
            scenario = path[len(PREFIX) :].rstrip("/")
            if path.endswith("/") and scenario in SCENARIOS:
                port = handler.server.server_address[1]
                page = list_html(scenario, port, self.elsewhere)
                self._send(handler, 200, page.encode("utf-8"), _HTML, with_body)
                return
            route = ROUTES.get(path)
            if route is None:
                self._send(handler, 404, b"<html><body><h1>404 Not Found</h1></body></html>", _HTML, with_body)
                return
            fault = "malformed" if route.fault in MALFORMED else route.fault
            getattr(self, "_" + fault.replace("-", "_"))(handler, route, parts.query)
        except OSError:
            # The crawler hung up on us, which is what several faults provoke.
            handler.close_connection = True

    # -------------------------------------------------------------- helpers
    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str | None,
        with_body: bool = True,
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

    def _count(self, path: str) -> int:
        with self._lock:
            self._hits[path] = self._hits.get(path, 0) + 1
            return self._hits[path]

    # --------------------------------------------------------------- faults
    def _article(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._send(handler, 200, article_html(route).encode("utf-8"), _HTML)

    _lure = _private = _elsewhere = _article

    def _redirect_elsewhere(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._send(handler, 302, b"", _HTML, headers={"Location": self.elsewhere.rstrip("/") + route.path})

    def _503_twice(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        if self._count(route.path) <= 2:
            body = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
            self._send(handler, 503, body, _HTML)
        else:
            self._article(handler, route, query)

    def _404(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._send(handler, 404, b"<html><body><h1>404 Not Found</h1></body></html>", _HTML)

    def _410(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._send(handler, 410, b"<html><body><h1>410 Gone</h1></body></html>", _HTML)

    def _reset(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        body = article_html(route).encode("utf-8")
        self._head(handler, 200, _HTML, len(body))
        handler.wfile.write(body[: len(body) // 2])
        # SO_LINGER 0: close() sends RST instead of FIN, a reset mid-body.
        conn = handler.connection
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        handler.close_connection = True

    def _short(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        body = article_html(route).encode("utf-8")
        self._head(handler, 200, _HTML, len(body) + 1000)
        handler.wfile.write(body)
        handler.close_connection = True  # a clean close, 1000 bytes early

    def _slow(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        body = article_html(route).encode("utf-8")
        self._head(handler, 200, _HTML, len(body))
        handler.wfile.write(body[:100])
        handler.wfile.flush()
        self._closing.wait(SLOW_SECONDS)
        handler.close_connection = True

    def _loop(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        target = route.path if query else route.path + "?loop=1"
        self._send(handler, 302, b"", _HTML, headers={"Location": target})

    def _endless(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        hop = int(parse_qs(query).get("hop", ["0"])[0])
        self._send(handler, 302, b"", _HTML, headers={"Location": f"{route.path}?hop={hop + 1}"})

    def _huge(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._head(handler, 200, _HTML, HUGE_SIZE)
        self._stream(handler, HUGE_SIZE, chunked=False)

    def _huge_chunked(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", _HTML)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        self._stream(handler, HUGE_SIZE, chunked=True)

    def _pdf(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._send(handler, 200, _PDF, "application/pdf")

    def _jpeg(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._send(handler, 200, _JPEG, "image/jpeg")

    def _pdf_untyped(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._send(handler, 200, _PDF, "application/octet-stream")

    def _jpeg_as_html(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._send(handler, 200, _JPEG, _HTML)

    def _malformed(self, handler: BaseHTTPRequestHandler, route: Route, query: str) -> None:
        self._send(handler, 200, malformed_body(route), _HTML)

    @staticmethod
    def _head(handler: BaseHTTPRequestHandler, status: int, content_type: str, length: int) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()

    @staticmethod
    def _stream(handler: BaseHTTPRequestHandler, size: int, chunked: bool) -> None:
        piece = ("<p>园区" + "发展" * 40 + "</p>\n").encode("utf-8")
        block = piece * (65536 // len(piece))
        sent = 0
        while sent < size:
            data = block[: size - sent]
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            sent += len(data)
        if chunked:
            handler.wfile.write(b"0\r\n\r\n")
