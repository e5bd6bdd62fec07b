"""Scrapy settings for parknews: polite defaults for the live site.

Everything here can be overridden with ``-s NAME=VALUE``. The relaxed
settings for replaying fixtures on 127.0.0.1 live in one place,
``parknews.replay.REPLAY_SETTINGS``.
"""

BOT_NAME = "parknews"
SPIDER_MODULES = ["parknews.spiders"]
NEWSPIDER_MODULE = "parknews.spiders"
COMMANDS_MODULE = "parknews.commands"

# --- what to crawl and how to clean it -------------------------------------
#: Site profiles (``sites.toml``, see the README's "Sites"): start URLs, hosts,
#: sections, politeness and expected fields of each site.
PARKNEWS_SITES = "sites.toml"
#: The profiles a run crawls unless ``-a site=NAME[,NAME…]`` (or ``all``) says otherwise.
PARKNEWS_SITE = "ciipa"
#: Start URLs of an ad-hoc site, as ``-a start_urls=URL[,URL…]`` gives them; empty: the profiles.
PARKNEWS_START_URLS: list[str] = []
#: SQLite file remembering exported articles across runs.
PARKNEWS_STATE = ".parknews/state.sqlite"
#: ``zh-hans``: convert to Simplified Chinese; ``keep``: leave the page's script.
PARKNEWS_SCRIPT = "zh-hans"
#: Walk every list page and fetch every article (``-a full=1``); only new or
#: changed articles are exported all the same.
PARKNEWS_FULL = False
#: Re-read known articles and export those whose click count changed (``-a refresh_clicks=1``).
PARKNEWS_REFRESH_CLICKS = False
#: Export at most this many articles, then stop (``-a limit=N``); 0: no limit.
PARKNEWS_LIMIT = 0
#: Machine-readable summary of the last run (counts, failure, exit code, all stats); empty: off.
PARKNEWS_SUMMARY = "data/last-run.json"
#: Field coverage is judged only over runs with at least this many articles.
PARKNEWS_COVERAGE_MIN_ARTICLES = 5
#: List pages one walk of a list reads in a run, at most: a bound on crawl
#: traps. A list that is longer is walked on by the next run, from where this
#: one stopped (with a WARNING naming the list).
PARKNEWS_MAX_LIST_PAGES = 300

# --- distributed mode (see the README's "Distributed mode") ------------------
#: The Redis server shared by the workers of a distributed crawl
#: (``redis://host:6379/0``, ``rediss://…``, ``unix:///path``); empty: one
#: machine, SQLite state, no Redis needed.
PARKNEWS_REDIS_URL = ""
#: This worker's name (letters, digits, ``-_.``); empty: ``<hostname>-<pid>``.
PARKNEWS_WORKER = ""
#: Seconds a worker's heartbeat may be missing before the other workers
#: re-queue the requests it had taken.
PARKNEWS_LEASE_TIMEOUT = 30

# --- click counts that only JavaScript shows (see parknews/clicks/) --------
#: ``auto``: read a counter script, else render in Chromium the articles whose
#: count is still unknown; ``never``: no browser at all; ``always``: render
#: every article page.
PARKNEWS_RENDER = "auto"
#: Chromium to drive; empty: a system Chromium on PATH (Debian's ``chromium``
#: is /usr/bin/chromium), else Playwright's own bundled browser.
PARKNEWS_CHROMIUM = ""
#: Seconds a rendered page may take to show its click count.
PARKNEWS_RENDER_TIMEOUT = 5
# One browser context with a few pages: memory stays flat over a long crawl.
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20_000
#: Skips images, fonts and media. Where the browser may go is no setting: its
#: handler keeps it on the start URLs' hosts (parknews/clicks/browser.py).
PLAYWRIGHT_ABORT_REQUEST = "parknews.clicks.render.abort_request"

# --- politeness (live site) -------------------------------------------------
# Relaxed for the local fixture server only, in parknews.replay.REPLAY_SETTINGS.
#: Where the site's admins can reach whoever runs the crawl: an http(s):// URL
#: or a mailto: address. It is added to the User-Agent as "+CONTACT"; set it
#: for live crawls (-s PARKNEWS_CONTACT=https://… or here).
PARKNEWS_CONTACT = ""
#: Sent as it is when you change it (here or with -s USER_AGENT=…); left as it
#: is, the spider adds PARKNEWS_CONTACT to it.
USER_AGENT = "parknews/1.0 (park news archiver)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
#: At least this long between two requests to the site; AutoThrottle only
#: ever lengthens it when the site slows down.
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
#: Retries after 5xx, 408, 429, timeouts and broken connections (not 404/410).
RETRY_TIMES = 2
# A page yields at most one article: Scrapy's default of 100 concurrent item
# slots per response only costs asyncio tasks (see the README's Performance).
CONCURRENT_ITEMS = 8
#: A news page is well under 2 MB: warn above 4 MB, and stop reading at 10 MB
#: rather than download a runaway response to the end.
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
#: A redirect chain longer than this is a loop: given up, logged with its URL.
REDIRECT_MAX_TIMES = 10
HTTPCACHE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- components ------------------------------------------------------------
#: Seconds a fetched robots.txt is reused by later runs (RFC 9309 allows a day); 0: never.
PARKNEWS_ROBOTS_TTL = 86400

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's offsite filter, with a host being its name and port, as the spider's links are chosen.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "parknews.offsite.HostAndPortOffsiteMiddleware": 50,
    # Scrapy's robots.txt handling, with robots.txt kept in the state for PARKNEWS_ROBOTS_TTL.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "parknews.robots.CachedRobotsTxtMiddleware": 100,
    # After decompression (590), before anything reads the text.
    "parknews.middlewares.CharsetFixMiddleware": 580,
}
ITEM_PIPELINES = {
    "parknews.pipelines.DedupPipeline": 200,
    "parknews.pipelines.CompletenessPipeline": 300,
}
EXTENSIONS = {
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    "parknews.outcome.RunSummary": 510,
}

# --- run checks (spidermon): see parknews/monitors.py -------------------------
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["parknews.monitors.RunChecks"]
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True  # a null field is a missing field
# The shares each site's articles must reach are in its profile (``coverage``):
# most park sites show no click count, so no rule fits every site.
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished", "closespider_itemcount"]

# --- output ----------------------------------------------------------------
#: Where a run writes its JSON Lines when no -o/-O or FEEDS is given (Scrapy's
#: feed URI parameters apply: %(time)s is the run's UTC start time).
PARKNEWS_OUTPUT = "data/parknews-%(time)s.jsonl"
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = ["url", "site", "title", "published", "clicks", "source", "category", "body", "crawled_at"]
# Let the storage see empty feeds, so it can decide (and clean up) itself.
FEED_STORE_EMPTY = True
FEED_STORAGES = {
    "": "parknews.feeds.AtomicFileFeedStorage",
    "file": "parknews.feeds.AtomicFileFeedStorage",
}

LOG_LEVEL = "INFO"
