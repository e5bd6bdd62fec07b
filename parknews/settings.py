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
#: Where ``scrapy crawl parknews`` starts unless ``-a start_urls=URL[,URL…]`` is given.
PARKNEWS_START_URLS = ["https://www.ciipa.net/"]
#: SQLite file remembering exported articles across runs.
PARKNEWS_STATE = ".parknews/state.sqlite"
#: ``zh-hans``: convert to Simplified Chinese; ``keep``: leave the page's script.
PARKNEWS_SCRIPT = "zh-hans"
#: Write the run's Scrapy stats as JSON here when set (empty: off).
PARKNEWS_STATS_FILE = ""

# --- politeness (live site) -------------------------------------------------
USER_AGENT = "parknews/1.0 (park news archiver; +https://www.ciipa.net/)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
HTTPCACHE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- components ------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # After decompression (590), before anything reads the text.
    "parknews.middlewares.CharsetFixMiddleware": 580,
}
ITEM_PIPELINES = {
    "parknews.pipelines.TextRepairPipeline": 100,
    "parknews.pipelines.DedupPipeline": 200,
    "parknews.pipelines.CompletenessPipeline": 300,
}
EXTENSIONS = {
    "parknews.outcome.RunOutcome": 100,
}

# --- output ----------------------------------------------------------------
#: Where a run writes its JSON Lines when no -o/-O or FEEDS is given (Scrapy's
#: feed URI parameters apply: %(time)s is the run's UTC start time).
PARKNEWS_OUTPUT = "data/parknews-%(time)s.jsonl"
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = ["url", "title", "published", "clicks", "source", "category", "body", "crawled_at"]
# Let the storage see empty feeds, so it can decide (and clean up) itself.
FEED_STORE_EMPTY = True
FEED_STORAGES = {
    "": "parknews.feeds.AtomicFileFeedStorage",
    "file": "parknews.feeds.AtomicFileFeedStorage",
}

LOG_LEVEL = "INFO"
