"""Pelican settings for Sunlit's site (preview and default build).

`sunlit build` reads this file in-process and overrides OUTPUT_PATH, SUNLIT_DB and SITEURL; the
pages themselves come from the `sunlit_pages` plugin in site/plugins, which reads the database.
"""

import os

SITENAME = "阳光公示 Sunlit"
SITESUBTITLE = "招投标结果、三张清单与办件公示 · Public tenders, the three lists and approvals"
SITEURL = os.environ.get("SUNLIT_SITE_URL", "")  # "" builds a site that works on any host
SUNLIT_DB = os.environ.get("SUNLIT_DB", "data/sunlit.duckdb")

PATH = "content"
THEME = "site"
PLUGIN_PATHS = ["site/plugins"]
PLUGINS = ["sunlit_pages", "sunlit_feeds"]
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-CN"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

# Scraped text reaches these templates: escape everything by default.
JINJA_ENVIRONMENT = {
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
}

# Hand-written pages only (content/pages); records are pages made by the plugin, not articles.
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
STATIC_PATHS: list[str] = []
DIRECT_TEMPLATES: list[str] = []  # the plugin writes the home page
PAGINATED_TEMPLATES: dict[str, int] = {}
ARTICLE_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""

# Feeds are written by the plugin with feedgen (disclosures/feeds.py), not by Pelican.
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

# Tender list pages: /tenders/, /tenders/page/2/, ...
SUNLIT_PER_PAGE = 50
SUNLIT_LATEST_AWARDS = 20
SUNLIT_SEARCH_INDEX = True

DELETE_OUTPUT_DIRECTORY = False  # `sunlit build` writes each build into a fresh directory
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False

# English versions of the hand-written pages (content/pages/*.en.md, `Lang: en`): /en/<slug>/,
# beside the English record pages the plugin writes under /en/.
PAGE_LANG_URL = "{lang}/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
