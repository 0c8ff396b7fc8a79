"""Candidate notices that publish a 下浮率 store it as a rate, never as an amount."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from disclosures import records


def test_candidate_rates_go_to_discount_rate_not_amount(corpus: Path) -> None:
    api = json.loads((corpus / "cn_procurement/epoint_yichang/candidate_notices_api.json")
                     .read_text("utf-8"))
    notices = api["custom"]["infodata"] if "custom" in api else api
    bids = []
    for notice in notices:
        payload = {"source_format": "epoint", "title": notice.get("title"),
                   "published": notice.get("infodate"), "region": notice.get("xiaquname"),
                   "region_code": notice.get("xiaqucode"), "notice_id": notice.get("infoid"),
                   "html": notice.get("infocontent")}
        prov = records.Provenance(source="yichang", url="http://127.0.0.1/x",
                                  document_sha256="0" * 64, fetched_at=datetime.now(UTC))
        try:
            bids += records.build_records("candidate_notice", payload, prov).get("bids", [])
        except records.Rejected:
            continue
    rated = [b for b in bids if b["discount_rate"] is not None]
    assert rated, "no 下浮率 read from the candidate notices"
    for bid in rated:
        assert bid["amount"] is None and 0 < bid["discount_rate"] < 1
        assert "%" in bid["amount_text"] or "下浮" in bid["amount_text"]
