"""Pelican settings for publishing: the preview settings plus the public site URL.

Set SUNLIT_SITE_URL (e.g. https://sunlit.example.org) so feeds carry absolute links;
`sunlit build --site-url URL` does the same without this file.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("SUNLIT_SITE_URL", "")
RELATIVE_URLS = False
