"""Scrapy settings shared by every Sunlit source.

Per-source politeness (`delay`, `autothrottle` in sources.toml) is applied on top of these by
`collectors.commands`. Each override of a Scrapy default says what the default was.
"""

from __future__ import annotations

from disclosures.settings import USER_AGENT as SUNLIT_USER_AGENT

BOT_NAME = "sunlit"
SPIDER_MODULES = ["collectors.spiders"]
NEWSPIDER_MODULE = "collectors.spiders"

# Identify ourselves, with a URL saying who we are and what we collect.
USER_AGENT = SUNLIT_USER_AGENT  # default "Scrapy/VERSION (+https://scrapy.org)"
ROBOTSTXT_OBEY = True  # default False

# Government portals are small servers: two requests at a time per host at most.
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # default 8
CONCURRENT_REQUESTS = 8  # default 16
DOWNLOAD_DELAY = 1.0  # default 0; sources.toml `delay` overrides it per source
# Slows down further when the server answers slowly; sources.toml `autothrottle` turns it off.
AUTOTHROTTLE_ENABLED = True  # default False
AUTOTHROTTLE_START_DELAY = 1.0  # default 5.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # default 1.0, stated because it is the politeness knob
DOWNLOAD_TIMEOUT = 60  # default 180

# Retries: our middleware replaces Scrapy's so 429/503 wait for Retry-After first.
RETRY_TIMES = 3  # default 2
RETRY_AFTER_MAX_WAIT = 60.0  # our setting: never wait longer than this for one Retry-After

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,  # default 550
    "collectors.middlewares.RetryAfterMiddleware": 550,
    # Before HttpProxyMiddleware (750), which reads the proxy it sets.
    "collectors.middlewares.SamplePortalMiddleware": 700,
    # Below HttpCompressionMiddleware (590) in number, so it sees decompressed bodies.
    "collectors.middlewares.ArchiveMiddleware": 585,
}
ITEM_PIPELINES = {
    "collectors.pipelines.ValidatePipeline": 300,
    "collectors.pipelines.LoadPipeline": 800,
}

# Our pipelines buffer rows and write whole batches; many items in flight gain nothing.
CONCURRENT_ITEMS = 50  # default 100
TELNETCONSOLE_ENABLED = False  # default True: nothing should listen on a port during a collect
REMOTE_CONTROL_ENABLED = False  # default True, for the same reason
# Off: the per-minute "Crawled N pages" line; `sunlit collect` shows its own progress.
LOGSTATS_INTERVAL = 0  # default 60.0
LOG_LEVEL = "WARNING"  # default "DEBUG"; `sunlit collect --verbose` sets INFO
FEED_EXPORT_ENCODING = "utf-8"  # default None (ASCII escapes): our data is Chinese
