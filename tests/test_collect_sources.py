"""sources.toml: the default file is valid, and mistakes are refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.middlewares import retry_after_seconds
from collectors.sources import SourcesError, load_sources, parse_sources

REPO = Path(__file__).resolve().parents[1]


def one(**table: object) -> dict[str, object]:
    return {
        "source": [{"name": "s", "format": "ocds", "url": "https://example.org/r.json", **table}]
    }


def test_default_sources_are_the_sample_portal_and_fast() -> None:
    sources = load_sources(REPO / "sources.toml")
    assert {s.format for s in sources} == {"epoint", "ccgp", "ocds", "lists_json", "approvals_json"}
    assert len(sources) == 8
    assert all(s.uses_portal and s.delay == 0 and not s.autothrottle for s in sources)
    assert sorted(s.list_kind for s in sources if s.list_kind) == [
        "negative",
        "power",
        "responsibility",
    ]


def test_default_sources_point_at_the_sample_portal_entry_points() -> None:
    portal = pytest.importorskip("disclosures.portal")
    if not hasattr(portal, "entry_points"):
        pytest.skip("disclosures.portal.entry_points is not there yet")
    urls = {u for s in load_sources(REPO / "sources.toml") for u in s.with_portal("http://x").urls}
    expected: set[str] = set()
    for value in portal.entry_points("http://sample-portal.invalid").values():
        expected.update([value] if isinstance(value, str) else value)
    assert urls == expected


def test_portal_urls_get_the_fixed_portal_origin() -> None:
    (source,) = parse_sources(
        one(url="portal:/ocds/releases.json?page=1", urls=["https://x.org/a"])
    )
    portal = source.with_portal("http://127.0.0.1:5555/")
    assert portal.urls == ("http://sample-portal.invalid/ocds/releases.json?page=1", "https://x.org/a")
    assert portal.portal_base == "http://127.0.0.1:5555"


def test_real_hosts_default_to_a_polite_delay() -> None:
    (source,) = parse_sources(one())
    assert source.delay == 1.0 and source.autothrottle and source.max_reject_rate is None


def test_options_are_read() -> None:
    (source,) = parse_sources(
        {
            "source": [
                {
                    "name": "yichang",
                    "format": "epoint",
                    "delay": 2.5,
                    "page_size": 50,
                    "max_reject_rate": 0.5,
                    "url": "https://ggzy.yichang.gov.cn/EpointWebBuilder/rest/x?categoryNum=003001005&pageIndex=0",
                    "categories": {"003001005": "award_notice", "003001004": "candidate_notice"},
                    "label_synonyms": {"成交供应商": "中标人"},
                }
            ]
        }
    )
    assert (source.delay, source.page_size, source.max_reject_rate) == (2.5, 50, 0.5)
    assert source.categories == {"003001005": "award_notice", "003001004": "candidate_notice"}
    assert source.label_synonyms == {"成交供应商": "中标人"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"format": "rss"},
            "unknown format 'rss'; known formats: epoint, ccgp, ocds, lists_json, approvals_json, "
            "lists_file, case_log_csv",
        ),
        (
            {"url": "ftp://x.org/r"},
            "url 'ftp://x.org/r' must start with http://, https:// or portal:/",
        ),
        ({"pagesize": 5}, "unknown key(s) ['pagesize']"),
        ({"delay": -1}, "'delay' must be >= 0.0"),
        ({"max_reject_rate": 2}, "'max_reject_rate' must be between 0.0 and 1.0"),
        ({"page_size": 0}, "'page_size' must be a positive integer"),
        (
            {"list_kind": "power"},
            "'list_kind' applies to the lists_json and lists_file formats only",
        ),
        ({"label_synonyms": {"a": 1}}, "'label_synonyms' must be a table of label = known label"),
        ({"name": "Bad Name"}, "'name' must be lower-case letters"),
    ],
)
def test_mistakes_are_refused_with_a_clear_message(table: dict[str, object], message: str) -> None:
    document = one(**table)
    with pytest.raises(SourcesError) as error:
        parse_sources(document, where="my.toml")
    assert message in str(error.value) and str(error.value).startswith("my.toml: source #1")


def test_missing_url_is_named() -> None:
    with pytest.raises(SourcesError, match=r"missing 'url' \(or 'urls'\)"):
        parse_sources({"source": [{"name": "s", "format": "ocds"}]})


def test_duplicate_names_are_refused() -> None:
    document = {"source": one()["source"] * 2}
    with pytest.raises(SourcesError, match="'s' is used twice"):
        parse_sources(document)


def test_lists_need_a_kind_and_epoint_a_known_category() -> None:
    with pytest.raises(SourcesError, match="add list_kind"):
        parse_sources({"source": [{"name": "l", "format": "lists_json", "url": "https://x/api"}]})
    (listed,) = parse_sources(
        {"source": [{"name": "l", "format": "lists_json", "url": "https://x/api?kind=negative"}]}
    )
    assert listed.list_kind == "negative"
    with pytest.raises(SourcesError, match="categoryNum '009' is not a known Epoint category"):
        parse_sources(
            {"source": [{"name": "e", "format": "epoint", "url": "https://x/?categoryNum=009"}]}
        )


def test_a_file_that_is_not_toml_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text("[[source]\nname=", encoding="utf-8")
    with pytest.raises(SourcesError, match=r"sources\.toml: not valid TOML"):
        load_sources(path)
    with pytest.raises(SourcesError, match="no such file"):
        load_sources(tmp_path / "absent.toml")


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds(b"1") == 1.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_every_key_and_format_is_documented() -> None:
    from collectors import sources

    doc = (REPO / "docs" / "collecting.md").read_text(encoding="utf-8")
    for key in sorted(sources._KEYS):
        assert f"| `{key}` |" in doc, f"sources.toml key {key!r} is not in docs/collecting.md"
    for fmt in sources.FORMATS:
        assert f"| `{fmt}` |" in doc, f"format {fmt!r} is not in docs/collecting.md"
