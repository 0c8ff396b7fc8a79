"""Each red flag fires on a constructed positive case and stays quiet on its negative twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from auditdata import award, bid, case, list_item, load, new_db, tender

from disclosures import flags, workdays


@pytest.fixture()
def con(tmp_path: Path):
    connection = new_db(tmp_path / "flags.duckdb")
    yield connection
    connection.close()


def hits(con, code: str) -> set[str]:
    view = flags.get(code).view
    return {row[0] for row in con.execute(f"SELECT record_id FROM {view}").fetchall()}


def evidence(con, code: str, record_id: str) -> dict:
    rows = con.execute(
        "SELECT evidence FROM flag_hits WHERE flag_code = ? AND record_id = ?", [code, record_id]
    ).fetchall()
    assert len(rows) == 1, rows
    return json.loads(rows[0][0])


def test_registry_reads_every_header() -> None:
    codes = [flag.code for flag in flags.registry()]
    for expected in (
        "R003",
        "R018",
        "R024",
        "R028",
        "R035",
        "R036",
        "R038",
        "R048",
        "R058",
        "OT01",
        "OT02",
        "OT03S",
        "OT03L",
        "OT04",
        "CN01",
        "AP01",
        "AP02",
        "AP03",
    ):
        assert expected in codes
    for flag in flags.registry():
        assert flag.title_zh and flag.title_en and len(flag.definition) > 40, flag.code
        assert flag.sources and all(s.url.startswith("https://") for s in flag.sources), flag.code
        assert flag.evidence, flag.code


def test_header_parse_rejects_a_missing_field() -> None:
    with pytest.raises(ValueError, match="lacks"):
        flags.parse("-- code: X1\n-- title_zh: 甲\nSELECT 1")


def test_r003_short_submission_period(con) -> None:
    load(
        con,
        tenders=[
            tender("short", published="2025-03-03", deadline="2025-03-15"),
            tender("long-enough", published="2025-03-03", deadline="2025-03-20"),
            tender("not-open", method="inquiry", published="2025-03-03", deadline="2025-03-05"),
            # A result notice published after the deadline says nothing about the bidding period.
            tender("result-notice", published="2025-04-01", notice=None, deadline="2025-03-20"),
            # The period runs from the tender notice, whenever the result was published.
            tender("dated-by-notice", published="2025-04-01", notice="2025-03-10",
                   deadline="2025-03-20"),
        ],
    )
    assert hits(con, "R003") == {"short", "dated-by-notice"}
    assert evidence(con, "R003", "short")["period_days"] == 12


def test_r018_single_bid_in_competitive_tender(con) -> None:
    load(
        con,
        tenders=[tender("one"), tender("two"), tender("inquiry-one", method="inquiry")],
        bids=[
            bid("one", "org:w", 100),
            bid("two", "org:w", 100),
            bid("two", "org:x", 110),
            bid("inquiry-one", "org:w", 100),
        ],
    )
    assert hits(con, "R018") == {"one"}


def _second_lowest_population(differences: dict[str, float]) -> dict[str, list]:
    tenders, bids, awards = [], [], []
    for tender_id, difference in differences.items():
        tenders.append(tender(tender_id))
        bids += [
            bid(tender_id, "org:w", 100000),
            bid(tender_id, "org:x", round(100000 * (1 + difference), 2)),
        ]
        awards.append(award(tender_id, "org:w", 100000))
    return {"tenders": tenders, "bids": bids, "awards": awards}


NORMAL = {"t1": 0.05, "t2": 0.06, "t3": 0.07, "t4": 0.08, "t5": 0.09}


def test_r024_price_close_to_winning_bid(con) -> None:
    load(con, **_second_lowest_population({**NORMAL, "close": 0.001}))
    assert hits(con, "R024") == {"close"}
    found = evidence(con, "R024", "close")
    assert found["difference"] == pytest.approx(0.001)
    assert found["lower_fence"] == pytest.approx(0.015)


def test_r024_needs_a_population_or_a_fixed_fence(con) -> None:
    load(con, **_second_lowest_population({"t1": 0.05, "close": 0.001}))
    assert hits(con, "R024") == set()
    flags.install(con, {"R024.fence": 0.01})
    assert hits(con, "R024") == {"close"}
    assert con.execute(
        "SELECT value, default_value FROM flag_thresholds "
        "WHERE flag_code = 'R024' AND name = 'fence'"
    ).fetchall() == [(0.01, None)]


def test_r058_heavily_discounted_bid(con) -> None:
    load(con, **_second_lowest_population({**NORMAL, "lemon": 0.5}))
    assert hits(con, "R058") == {"lemon"}
    assert evidence(con, "R058", "lemon")["upper_fence"] == pytest.approx(0.125)


def test_r028_identical_bid_prices(con) -> None:
    load(
        con,
        tenders=[tender("same"), tender("different")],
        bids=[
            bid("same", "org:a", 500),
            bid("same", "org:b", 500),
            bid("same", "org:c", 520),
            bid("different", "org:a", 500),
            bid("different", "org:b", 501),
        ],
    )
    assert hits(con, "R028") == {"same::org:a", "same::org:b"}


def test_r035_all_but_the_winner_disqualified(con) -> None:
    load(
        con,
        tenders=[tender("rigged"), tender("fair")],
        bids=[
            bid("rigged", "org:w", 100),
            bid("rigged", "org:x", 90, disqualified=True),
            bid("rigged", "org:y", 95, disqualified=True),
            bid("fair", "org:w", 100),
            bid("fair", "org:x", 105),
            bid("fair", "org:y", 95, disqualified=True),
        ],
        awards=[award("rigged", "org:w", 100), award("fair", "org:w", 100)],
    )
    assert hits(con, "R035") == {"rigged"}
    assert evidence(con, "R035", "rigged")["disqualified_bidders"] == ["org:x", "org:y"]


def test_r036_lowest_bid_disqualified(con) -> None:
    load(
        con,
        tenders=[tender("cheap-out"), tender("expensive-out")],
        bids=[
            bid("cheap-out", "org:w", 100),
            bid("cheap-out", "org:x", 90, disqualified=True),
            bid("expensive-out", "org:w", 100),
            bid("expensive-out", "org:x", 110, disqualified=True),
        ],
        awards=[award("cheap-out", "org:w", 100), award("expensive-out", "org:w", 100)],
    )
    assert hits(con, "R036") == {"cheap-out"}
    assert evidence(con, "R036", "cheap-out")["lowest_disqualified_bidder"] == "org:x"


def test_r038_excessive_disqualified_bids(con) -> None:
    tenders, bids = [], []
    for n in range(6):
        tenders.append(tender(f"t{n}", buyer=f"buyer:{n}"))
    bidders = ["org:a", "org:b", "org:c", "org:d", "org:e", "org:bad"]
    for n, bidder in enumerate(bidders):
        for t in (n, (n + 1) % 6):
            bids.append(bid(f"t{t}", bidder, 100 + n, disqualified=bidder == "org:bad"))
    load(con, tenders=tenders, bids=bids)
    rows = con.execute("SELECT record_id, role, share FROM flag_r038").fetchall()
    # Buyers each received 2 bids in a single tender: fewer than min_tenders, not evaluated.
    assert rows == [("org:bad", "bidder", 1.0)]


def test_r048_heterogeneous_supplier(con) -> None:
    tenders, awards = [], []
    for n in range(5):
        tenders += [tender(f"a{n}", category="A02010104"), tender(f"b{n}", category="A02020000")]
        awards += [award(f"a{n}", f"org:s{n}", 10), award(f"b{n}", f"org:s{n}", 10)]
    for n, category in enumerate(["A02010104", "B01000000", "C05000000"]):
        tenders.append(tender(f"x{n}", category=category))
        awards.append(award(f"x{n}", "org:everything", 10))
    load(con, tenders=tenders, awards=awards)
    assert hits(con, "R048") == {"org:everything"}
    assert evidence(con, "R048", "org:everything")["categories"] == ["A02", "B01", "C05"]


def test_ot01_single_bidder_any_method_but_single_source(con) -> None:
    load(
        con,
        tenders=[
            tender("inq", method="inquiry"),
            tender("ss", method="single_source"),
            tender("two", method="inquiry"),
        ],
        bids=[
            bid("inq", "org:a", 1),
            bid("ss", "org:a", 1),
            bid("two", "org:a", 1),
            bid("two", "org:b", 2),
        ],
    )
    assert hits(con, "OT01") == {"inq"}


def test_ot02_non_open_procedure(con) -> None:
    load(
        con,
        tenders=[
            tender("direct", method="single_source"),
            tender("open", method="open"),
            tender("unknown", method=None),
        ],
    )
    assert hits(con, "OT02") == {"direct"}


def test_ot03_decision_periods(con) -> None:
    load(
        con,
        tenders=[
            tender("hasty", deadline="2025-03-20", award_date="2025-03-21"),
            tender("normal", deadline="2025-03-20", award_date="2025-03-25"),
            tender("slow", deadline="2025-03-20", award_date="2025-07-01"),
            tender("from-award", deadline="2025-03-20"),
        ],
        awards=[award("from-award", "org:a", 1, award_date="2025-03-20")],
    )
    assert hits(con, "OT03S") == {"hasty", "from-award"}
    assert hits(con, "OT03L") == {"slow"}
    assert evidence(con, "OT03L", "slow")["decision_days"] == 103


def test_ot04_winners_share_of_buyer_spending(con) -> None:
    tenders = [tender(f"a{n}", buyer="buyer:big", award_date="2025-05-01") for n in range(5)]
    tenders += [tender(f"s{n}", buyer="buyer:small", award_date="2025-05-01") for n in range(4)]
    awards = [
        award("a0", "org:dominant", 100),
        award("a1", "org:dominant", 100),
        award("a2", "org:dominant", 100),
        award("a3", "org:x", 50),
        award("a4", "org:y", 50),
    ]
    awards += [award(f"s{n}", "org:only", 10) for n in range(4)]
    load(con, tenders=tenders, awards=awards)
    rows = con.execute("SELECT buyer_id, supplier_id, year, share FROM flag_ot04").fetchall()
    # buyer:small made only 4 awards: fewer than min_awards, not evaluated.
    assert rows == [("buyer:big", "org:dominant", 2025, 0.75)]


def test_cn01_statutory_bidding_period(con) -> None:
    load(
        con,
        tenders=[
            tender("open-17", method="open", published="2025-03-03", deadline="2025-03-20"),
            tender("open-20", method="open", published="2025-03-03", deadline="2025-03-23"),
            tender(
                "consult-9",
                method="competitive_consultation",
                published="2025-03-03",
                deadline="2025-03-12",
            ),
            # 30 Sep to 10 Oct 2025: only 9 and 10 Oct are working days.
            tender(
                "inquiry-holiday", method="inquiry", published="2025-09-30", deadline="2025-10-10"
            ),
            # 26 Sep (Fri) to 30 Sep: 28 Sep is a make-up working Sunday, so 3 working days.
            tender(
                "inquiry-makeup", method="inquiry", published="2025-09-26", deadline="2025-09-30"
            ),
        ],
    )
    assert hits(con, "CN01") == {"open-17", "consult-9", "inquiry-holiday"}
    found = evidence(con, "CN01", "inquiry-holiday")
    assert (found["unit"], found["period"], found["statutory_minimum"]) == ("workday", 2, 3.0)


def test_ap01_overdue_against_promised_limit(con) -> None:
    load(
        con,
        list_items=[list_item("X1", promised=(5, "workday"))],
        approval_cases=[
            # 5 working days from 26 Sep 2025 end on 10 Oct (28 Sep worked, 1–8 Oct off).
            case("on-time", "X1", "2025-09-26", "2025-10-10"),
            case("late", "X1", "2025-09-26", "2025-10-11"),
            # Its own promise, in calendar days: 5 days end on 1 Oct, a holiday, so on 9 Oct.
            case(
                "calendar-on-time", "X1", "2025-09-26", "2025-10-09", promised=(5, "calendar_day")
            ),
            case("calendar-late", "X1", "2025-09-26", "2025-10-10", promised=(5, "calendar_day")),
            case("still-open", "X1", "2025-01-02", None, status="in_progress"),
            case("open-unknown-status", "X1", "2025-01-02", None, status="办理中"),
        ],
    )
    assert workdays.deadline(workdays.date(2025, 9, 26), 5, "workday") == workdays.date(
        2025, 10, 10
    )
    assert hits(con, "AP01") == {"late", "calendar-late", "still-open"}
    late = evidence(con, "AP01", "late")
    assert (late["deadline"], late["days_used"], late["limit_source"]) == (
        "2025-10-10",
        6,
        "list_item",
    )
    assert evidence(con, "AP01", "still-open")["open_case"] is True


def test_ap02_overdue_against_statutory_limit(con) -> None:
    load(
        con,
        list_items=[list_item("X2", statutory=(20, "workday"), promised=(10, "workday"))],
        approval_cases=[
            # 20 working days from 8 Sep 2025: 9–30 Sep is 17, then 9, 10, 11 Oct.
            case("within-law", "X2", "2025-09-08", "2025-10-11"),
            case("beyond-law", "X2", "2025-09-08", "2025-10-13"),
            case("no-item", "Z9", "2025-01-02", "2025-12-30"),
        ],
    )
    assert hits(con, "AP02") == {"beyond-law"}
    assert hits(con, "AP01") == {"within-law", "beyond-law"}  # both broke the 10-day promise
    assert evidence(con, "AP02", "beyond-law")["deadline"] == "2025-10-11"


def test_ap03_promised_limit_longer_than_statutory(con) -> None:
    load(
        con,
        list_items=[
            list_item("longer", statutory=(20, "workday"), promised=(30, "workday")),
            list_item("shorter", statutory=(20, "workday"), promised=(10, "workday")),
            list_item("workdays-vs-days", statutory=(20, "calendar_day"), promised=(25, "workday")),
            list_item("days-vs-workdays", statutory=(20, "workday"), promised=(25, "calendar_day")),
            list_item("no-promise", statutory=(20, "workday"), promised=None),
        ],
    )
    assert hits(con, "AP03") == {"power:longer", "power:workdays-vs-days"}


def test_flag_hits_unites_every_flag_with_json_evidence(con) -> None:
    load(
        con,
        tenders=[tender("short", published="2025-03-03", deadline="2025-03-10")],
        bids=[bid("short", "org:w", 100)],
        awards=[award("short", "org:w", 100)],
    )
    rows = con.execute(
        "SELECT flag_code, record_kind, tender_id, buyer_id, supplier_id FROM flag_hits "
        "WHERE tender_id = 'short' ORDER BY flag_code"
    ).fetchall()
    assert ("R003", "tender", "short", "buyer:a", None) in rows
    assert ("R018", "tender", "short", "buyer:a", "org:w") in rows
    assert {r[0] for r in rows} == {"CN01", "OT01", "R003", "R018"}


def test_thresholds_survive_migration_and_unknown_ones_are_refused(con) -> None:
    flags.install(con, {"R003.min_days": 30})
    flags.install(con)
    assert con.execute(
        "SELECT value, default_value FROM flag_thresholds "
        "WHERE flag_code = 'R003' AND name = 'min_days'"
    ).fetchall() == [(30.0, 15.0)]
    with pytest.raises(ValueError, match="unknown flag thresholds"):
        flags.install(con, {"R003.max_days": 1})


def test_definitions_are_in_the_database(con) -> None:
    rows = con.execute(
        "SELECT code, view_name, sources FROM flag_definitions WHERE code = 'R018'"
    ).fetchall()
    assert rows[0][1] == "flag_r018"
    assert json.loads(rows[0][2])[0]["url"].startswith("https://cardinal.readthedocs.io/")


def test_every_flag_is_in_the_auditors_guide_and_has_page_data() -> None:
    guide = (Path(__file__).resolve().parents[1] / "docs" / "auditors.md").read_text(
        encoding="utf-8"
    )
    for flag in flags.registry():
        assert f"| {flag.code} | {flag.title_zh} / {flag.title_en} |" in guide, flag.code
    pages = flags.pages()
    assert [p["code"] for p in pages] == [f.code for f in flags.registry()]
    assert all(p["sql"].lstrip().upper().startswith(("SELECT", "WITH")) for p in pages)
