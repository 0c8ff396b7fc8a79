"""Chinese at /, English at /en/: every interface string has a translation, every page type
exists in both languages, each with `<html lang>`, hreflang links both ways and a switch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html
from sitedata import APPROVAL_ITEM_CODE, LIST_ITEM_ID, SEARCH_SUPPLIER_ID, build_sample_site

from disclosures import i18n, publish
from disclosures.publish import url_path

TEMPLATES = Path(__file__).resolve().parents[1] / "site" / "templates"
PLUGINS = Path(__file__).resolve().parents[1] / "site" / "plugins"
# t('...') in a template, also inside `{'year': '按年份', ...}[...]` tables passed to t().
T_CALL = re.compile(r"""\bt\(\s*'([^']+)'|\bt\(\s*"([^"]+)"|: '([^']*[\u4e00-\u9fff][^']*)'""")


def template_strings() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        if path.name == "search.html":  # the search page's text is the search module's
            continue
        for match in T_CALL.finditer(path.read_text(encoding="utf-8")):
            found.add(next(g for g in match.groups() if g))
    return found


def test_every_interface_string_has_an_english_translation() -> None:
    import sys

    sys.path.insert(0, str(PLUGINS))
    import sunlit_pages

    labels = {
        *sunlit_pages.METHODS.values(), *sunlit_pages.CATEGORIES.values(),
        *sunlit_pages.UNITS.values(), *sunlit_pages.STATUSES.values(),
        *sunlit_pages.RESTRICTIONS.values(), *sunlit_pages.LIST_FIELDS.values(),
        *publish.LIST_KIND_NAMES.values(), "招标公告", "投标截止", "定标", "结果公告",
    }
    strings = template_strings() | labels
    assert len(strings) > 150
    assert sorted(s for s in strings if s not in i18n.CATALOGUE) == []


def test_t_translates_and_fills_placeholders() -> None:
    assert i18n.t("共 {n} 项，按事项编码排列。", "en", n="1,234") == "1,234 items, by item code."
    assert i18n.t("共 {n} 项，按事项编码排列。", "zh-CN", n=3) == "共 3 项，按事项编码排列。"
    assert i18n.t("未收录的文字", "en") == "未收录的文字"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_site(tmp_path_factory.mktemp("i18n"), search_index=False).output


PAGES = [
    "", "tenders/", "tenders/page/2/", "tenders/year/2025/",
    url_path("tender", "sample-epoint:JSGC-2025-0003"), "orgs/",
    url_path("organisation", SEARCH_SUPPLIER_ID), "departments/",
    url_path("department", "name:宜昌市自然资源和规划局"), "lists/", "lists/power/",
    url_path("list_item", LIST_ITEM_ID), "approvals/",
    url_path("approval_item", APPROVAL_ITEM_CODE),
    "projects/", "flags/", "flags/r018/", "data/", "sources/", "feeds/", "search/", "about/",
    "methodology/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_type_exists_in_both_languages_and_links_the_other(
    site: Path, path: str
) -> None:
    zh = html.fromstring((site / path / "index.html").read_bytes())
    en = html.fromstring((site / "en" / path / "index.html").read_bytes())
    assert zh.get("lang") == "zh-CN" and en.get("lang") == "en"
    for doc in (zh, en):
        alternates = {link.get("hreflang"): link.get("href")
                      for link in doc.cssselect("link[rel=alternate][hreflang]")}
        assert alternates == {"zh-CN": f"/{path}", "en": f"/en/{path}"}
    assert en.cssselect(".lang-switch a[hreflang=zh-CN]")[0].get("href") == f"/{path}"
    assert zh.cssselect(".lang-switch a[hreflang=en]")[0].get("href") == f"/en/{path}"


def test_english_pages_speak_english_and_link_english_pages(site: Path) -> None:
    doc = html.fromstring((site / "en" / "index.html").read_bytes())
    nav = [a.text for a in doc.cssselect(".site-nav a")]
    assert nav[:4] == ["Tenders", "Organisations", "The three lists", "Approvals"]
    assert doc.cssselect(".site-nav a")[0].get("href") == "/en/tenders/"
    assert doc.cssselect("#latest-title")[0].text == "Latest awards"
    tender = html.fromstring(
        (site / "en" / url_path("tender", "sample-epoint:JSGC-2025-0003") / "index.html")
        .read_bytes())
    assert tender.cssselect("#awards-title")[0].text == "Awards"
    assert tender.cssselect("h1")[0].text.startswith("宜昌市夷陵区人民医院")  # data as published
    assert "CNY 972,222.50" in tender.text_content()
    links = [a.get("href") for a in tender.cssselect("main a[href^='/']")]
    assert links and all(h.startswith("/en/") for h in links)
