"""Rows for the database out of what spiders fetched: `build_records(kind, payload, prov)`.

Spiders stay thin: they hand over the payload of one record exactly as fetched, and this
module gives it meaning. The result maps table names to rows ready for
`disclosures.store.upsert_records`: every column of the table in `schema.sql` except the
ones the store fills (version, is_current, first_run), content_hash included.

A record that cannot be accepted raises `Rejected(code, reason)`; the caller stores it in
`rejects` with the raw payload. Labels and keys the builder does not know are not an error:
they come back in `Records.unknown_labels` so a run can report that a portal added or renamed a
field (zavod's rule: never absorb what you do not understand in silence). Values that were
kept although not fully understood (an award price written as prose) come back in
`Records.warnings`.

Privacy: every text value of every row passes through `privacy.mask_personal`, and natural
persons applying for approvals are reduced to a surname. The raw payload stays unmasked only
in the raw archive and in `rejects`, which are not published.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

import cn2an

from disclosures import ids
from disclosures.extract import NoticeFields, notice_fields
from disclosures.normalise import (
    NormaliseError,
    check_uscc,
    clean_legal_basis,
    clean_text,
    normalise_org_name,
    parse_amount,
    parse_datetime,
    parse_rate,
    parse_time_limit,
    split_consortium,
    split_role,
    unit_from_label,
)
from disclosures.normalise.money import UNIT_FACTORS, is_blank, looks_like_rate
from disclosures.privacy import mask_personal
from disclosures.store import STORE_COLUMNS


@dataclass(frozen=True)
class Provenance:
    source: str  # source name from sources.toml
    url: str  # the document the record came from
    document_sha256: str | None  # sha256 of that document's body, see documents
    fetched_at: datetime


class Rejected(Exception):
    """A record that cannot be accepted.

    `code` is machine-readable (missing_field, bad_date, bad_amount, missing_amount, bad_limit,
    unparseable, unknown_kind, empty_release …); `reason` says, for a person, what was wrong.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class Records(dict[str, list[dict[str, Any]]]):
    """Table name → rows, plus what the run should report.

    `unknown_labels`: labels (notices) or keys (list and case rows) that map to no field and
    are not known to be irrelevant, in the order first seen. `warnings`: values kept without
    being fully read, each naming the field and the text.
    """

    def __init__(self) -> None:
        super().__init__()
        self.unknown_labels: list[str] = []
        self.warnings: list[str] = []

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.setdefault(table, []).append(row)

    def unknown(self, label: str) -> None:
        if label not in self.unknown_labels:
            self.unknown_labels.append(label)


def _schema_columns() -> dict[str, tuple[str, ...]]:
    """Columns per table, read from schema.sql, the contract for every row built here."""
    sql = resources.files("disclosures").joinpath("schema.sql").read_text(encoding="utf-8")
    tables = {}
    for match in re.finditer(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", sql, re.S):
        columns = [
            line.split()[0]
            for line in match.group(2).strip().splitlines()
            if line.strip() and not line.strip().startswith(("PRIMARY", "--"))
        ]
        tables[match.group(1)] = tuple(c for c in columns if c not in STORE_COLUMNS)
    return tables


TABLE_COLUMNS = _schema_columns()
_CENT = Decimal("0.01")
_RATE_PLACES = Decimal("0.0001")
_NOT_MASKED = frozenset({"source", "url", "document_sha256"})


def _finish(records: Records, table: str, row: dict[str, Any], prov: Provenance) -> None:
    row["source"] = prov.source
    row["url"] = prov.url
    row["document_sha256"] = prov.document_sha256
    for key, value in row.items():
        if isinstance(value, str) and key not in _NOT_MASKED:
            row[key] = mask_personal(value)
        elif isinstance(value, list):
            row[key] = [mask_personal(v) if isinstance(v, str) else v for v in value]
    expected = TABLE_COLUMNS[table]
    missing = set(expected) - set(row) - {"content_hash"}
    extra = set(row) - set(expected)
    assert not missing and not extra, f"{table} row: missing {missing}, extra {extra}"
    row["content_hash"] = ids.content_hash(row)
    records.add(table, row)


@functools.lru_cache(maxsize=4096)  # the same few hundred labels, on every record
def _key(label: str) -> str:
    """A label or key as looked up: NFKC (ASCII brackets), no spaces, no trailing colon."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", label)).rstrip(":")


def _synonyms(base: Mapping[str, str], extra: Mapping[str, str] | None) -> dict[str, str]:
    table = {_key(k): v for k, v in base.items()}
    table.update({_key(k): v for k, v in (extra or {}).items()})
    return table


def _text(value: Any) -> str | None:
    """Cleaned text, or None for nothing published (blank, 无, /)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = clean_text(str(value))
    return None if is_blank(text) else text


def _date(value: Any, field: str) -> datetime | None:
    try:
        return parse_datetime(None if value is None else str(value))
    except NormaliseError as error:
        raise Rejected("bad_date", f"{field}: {error.reason}") from None


class _Organisations:
    """Organisation rows of one record, one per org_id, with every raw spelling as an alias."""

    def __init__(self, records: Records, prov: Provenance) -> None:
        self.records = records
        self.prov = prov
        self.rows: dict[str, dict[str, Any]] = {}

    def add(
        self,
        raw_name: str | None,
        *,
        uscc: str | None = None,
        region: str | None = None,
        org_id: str | None = None,
    ) -> str | None:
        name_text = _text(raw_name)
        code, valid = check_uscc(uscc) if uscc else (None, False)
        if not name_text and not valid and not org_id:
            return None
        name = normalise_org_name(name_text) if name_text else (code or org_id or "")
        oid = org_id if org_id and not valid else ids.org_id(name, code, valid)
        alias = split_role(name_text)[0] if name_text else None
        row = self.rows.get(oid)
        if row is None:
            row = {
                "org_id": oid,
                "name": name,
                "uscc": code or None,
                "uscc_valid": valid if code else None,
                "aliases": [],
                "region": region,
            }
            self.rows[oid] = row
        if alias and alias not in row["aliases"]:
            row["aliases"].append(alias)
        return oid

    def finish(self) -> None:
        for row in self.rows.values():
            row["aliases"] = sorted(row["aliases"])
            _finish(self.records, "organisations", row, self.prov)


# ---------------------------------------------------------------------------------------------
# Notices (award_notice, candidate_notice)

# Label → canonical field. Keys are compared after NFKC, so （） and () are the same label.
# A label with a unit in brackets ("中标价(万元)") is also found under its bare form ("中标价").
NOTICE_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        ["招标人", "采购人", "采购单位", "招标单位", "采购人名称", "建设单位", "项目业主"], "buyer"
    ),
    **dict.fromkeys(
        [
            "招标机构",
            "招标代理机构",
            "采购代理机构",
            "代理机构",
            "代理机构名称",
            "采购代理机构名称",
            "招标代理",
        ],
        "agency",
    ),
    **dict.fromkeys(
        [
            "中标人",
            "中标单位",
            "成交供应商",
            "中标供应商",
            "中标(成交)供应商",
            "中标人名称",
            "中标供应商名称",
            "成交供应商名称",
            "中标(成交)供应商名称",
            "成交人",
            "成交单位",
        ],
        "supplier",
    ),
    **dict.fromkeys(
        [
            "中标价",
            "中标金额",
            "成交金额",
            "中标(成交)金额",
            "成交价",
            "中标价格",
            "成交价格",
            "中标(成交)价",
            "中标(成交)价格",
            "中标总价",
            "成交总价",
        ],
        "amount",
    ),
    **dict.fromkeys(
        ["履约期限", "工期", "服务期", "服务期限", "合同履行期限", "计划工期"],
        "contract_period_days",
    ),
    **dict.fromkeys(
        ["标段编号", "包号", "标段(包)编号", "标包编号", "包件编号", "分包编号", "剂型序号", "包"],
        "lot",
    ),
    **dict.fromkeys(
        ["项目编号", "招标编号", "采购项目编号", "招标项目编号", "采购编号"], "notice_no"
    ),
    **dict.fromkeys(["采购方式", "招标方式", "采购方式名称"], "method"),
    **dict.fromkeys(["采购类别", "项目类别", "采购类型", "项目类型"], "category"),
    **dict.fromkeys(["公告日期", "发布时间", "公告发布日期", "发布日期", "公告时间"], "published"),
    **dict.fromkeys(
        ["投标截止时间", "开标时间", "响应文件提交截止时间", "递交截止时间"], "bid_deadline"
    ),
    **dict.fromkeys(["定标日期", "定标时间", "中标日期", "成交日期"], "award_date"),
    **dict.fromkeys(
        ["招标公告发布时间", "招标公告发布日期", "采购公告发布时间", "采购公告发布日期"],
        "tender_published",
    ),
    **dict.fromkeys(["统一社会信用代码", "社会信用代码", "信用代码"], "uscc"),
    **dict.fromkeys(["预算金额", "采购预算", "项目预算", "预算金额(元)"], "budget"),
    # Candidate tables (中标候选人公示).
    **dict.fromkeys(
        ["中标候选人名称", "候选人名称", "中标候选人", "入围候选人名称", "投标人名称", "入围单位"],
        "candidate",
    ),
    **dict.fromkeys(["投标报价", "报价", "投标价格", "投标总价", "入围价"], "bid_amount"),
    **dict.fromkeys(["名次", "排名", "排序", "候选人排序", "中标候选人排序"], "rank"),
    # A framework's price per unit (82.00元/支): kept as text, never summed as an amount.
    **dict.fromkeys(["成交单价", "中标单价", "入围单价"], "unit_price"),
}

# Labels known to carry nothing Sunlit stores (scope prose, quality goals, licences, contacts).
NOTICE_IGNORED: frozenset[str] = frozenset(
    _key(label)
    for label in [
        "建设地点",
        "中标范围和内容",
        "投诉电话",
        "质量目标",
        "资质证书名称及编号",
        "安全生产许可证名称及编号",
        "投标人资质证书名称及编号(如有)",
        "投标人安全生产许可证名称及编号(如有)",
        "备注",
        "标段(包)名称",
        "项目名称",
        "评标情况",
        "来源",
        "日期",
        "作者",
        "今天是",
        "您所在的位置",
        "地址",
        "服务热线",
        "评标小组成员名单",
        "行业主管部门",
        "拟派项目管理人员",
        "业绩",
        "奖项",
    ]
)
# Staff and contact rows: names, certificates and phones of people, deliberately not read.
_PERSONAL_LABEL = re.compile(
    r"(员|负责人|工程师|经理|主管|总工|代表|人员|成员|联系人|联系方式|电话|传真|邮箱|邮编|网址|名单)"
    r"\d*(\(.*\))?$"
)
# A staff row's value whatever its label ("电气": "王某,注册电气工程师,DG…"): a personal name,
# a comma, certificates.
_STAFF_VALUE = re.compile(r"^[\u4e00-\u9fff]{2,4},")
_UNIT_SUFFIX = re.compile(r"\(([^()]*)\)$")

METHODS: tuple[tuple[str, str], ...] = (
    ("公开招标", "open"),
    ("邀请招标", "selective"),
    ("竞争性谈判", "competitive_negotiation"),
    ("竞争性磋商", "competitive_consultation"),
    ("询价", "inquiry"),
    ("单一来源", "single_source"),
)
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("货物", "goods"),
    ("工程", "works"),
    ("服务", "services"),
)
# "…含税单价为6400元/吨，总价为3905110 元（大写：…）": a free-text price cell whose one total
# is the award price. Other totals ("BIM技术服务费…总金额为…") price a part, so only 总价 counts.
_TOTAL_PRICE = re.compile(r"(?:总价|总报价)[为是:：]?\s*([\d,]+(?:\.\d+)?\s*(?:万元|元))")
# "…于2025年12月01日在宜昌公共资源交易电子服务系统发布招标公告，2025年12月24日 09时30分在…开标":
# the sentence candidate and result notices open with; it dates the tender notice and the opening.
_TENDER_SENTENCE = re.compile(
    r"于\s*(\d{4}年\d{1,2}月\d{1,2}日)[^，,。；;]{0,40}?"
    r"(?:发布(?:招标|采购|资格预审)公告|发出投标邀请书?)"
    r"(?:[，,]\s*(\d{4}年\d{1,2}月\d{1,2}日(?:\s*\d{1,2}[时:：]\d{2}分?)?)[^，,。；;]{0,40}?开标)?"
)
_DAYS = re.compile(r"^(\d{1,5})\s*(?:个)?(?:日历天|自然日|天|日)?[。.]?$")
# Formats whose section codes (标段编号) are unique per trading centre and shared by the
# candidate and the result notice of a section: their tenders are keyed by that code.
SECTION_KEYED_FORMATS = frozenset({"epoint"})


def method_code(text: str | None) -> str | None:
    """Procurement method code for a published method; unknown methods stay as published."""
    if not text:
        return None
    for word, code in METHODS:
        if word in text:
            return code
    return text


def category_code(text: str | None) -> str | None:
    if not text:
        return None
    for word, code in CATEGORIES:
        if word in text:
            return code
    return text


@dataclass
class _Field:
    label: str
    value: str
    unit: str | None  # the unit or note in brackets after the label, if any


def _resolve(label: str, synonyms: Mapping[str, str]) -> tuple[str | None, str | None]:
    key = _key(label)
    if key in synonyms:
        return synonyms[key], unit_from_label(key)
    suffix = _UNIT_SUFFIX.search(key)
    if suffix and key[: suffix.start()] in synonyms:
        return synonyms[key[: suffix.start()]], suffix.group(1)
    return None, None


def _notice_values(
    fields: NoticeFields, synonyms: Mapping[str, str], records: Records
) -> tuple[dict[str, list[_Field]], dict[str, str]]:
    """Canonical field → values in document order; and role → 统一社会信用代码 found near it."""
    values: dict[str, list[_Field]] = {}
    codes: dict[str, str] = {}
    last_role: str | None = None
    for label, value in fields.pairs:
        canonical, unit = _resolve(label, synonyms)
        if canonical is None:
            key = _key(label)
            if not (
                key in NOTICE_IGNORED
                or _PERSONAL_LABEL.search(key)
                or _STAFF_VALUE.match(value.strip())
            ):
                records.unknown(label)
            continue
        if canonical == "uscc":
            if last_role and value.strip():
                codes.setdefault(last_role, value)
            continue
        if canonical in ("buyer", "agency", "supplier"):
            last_role = canonical
        values.setdefault(canonical, []).append(_Field(label, clean_text(value), unit))
    return values, codes


def _first(values: dict[str, list[_Field]], name: str) -> str | None:
    for found in values.get(name, []):
        text = _text(found.value)
        if text:
            return text
    return None


@dataclass
class _Price:
    amount: Decimal | None = None
    currency: str | None = None
    text: str | None = None
    rate: Decimal | None = None


def _price(found: _Field, records: Records, *, strict: bool) -> _Price:
    """Read a price cell. A cell whose label names a unit must hold a figure (`strict`);
    a free-text cell ("中标价(报价承诺)") may hold prose, kept as text with a warning."""
    text = found.value
    price = _Price(text=text)
    unit = found.unit if found.unit in UNIT_FACTORS or found.unit == "%" else None
    try:
        if unit == "%" or looks_like_rate(text):
            price.rate = parse_rate(text, assume_percent=unit == "%")
            return price
        money = parse_amount(text, default_unit=unit or "元")
    except NormaliseError as error:
        totals = _TOTAL_PRICE.findall(unicodedata.normalize("NFKC", text).replace(" ", ""))
        if len(totals) == 1:
            money = parse_amount(totals[0])
        elif strict and unit is not None:
            raise Rejected("bad_amount", f"{found.label}: {error.reason}") from None
        else:
            records.warnings.append(f"amount_unread: {found.label}: {text[:200]}")
            return price
    if money is not None:
        price.amount = money.amount.quantize(_CENT)
        price.currency = money.currency
    return price


def _days(text: str | None) -> int | None:
    match = _DAYS.match(unicodedata.normalize("NFKC", text or "").replace(" ", ""))
    return int(match.group(1)) if match else None


def _notice_tender(
    payload: Mapping[str, Any],
    prov: Provenance,
    records: Records,
    synonyms: Mapping[str, str],
) -> tuple[dict[str, Any], NoticeFields, dict[str, list[_Field]], dict[str, str], _Organisations]:
    html = payload.get("html")
    if not isinstance(html, str) or not html.strip():
        raise Rejected("missing_field", "the notice has no HTML body")
    title = _text(payload.get("title"))
    if not title:
        raise Rejected("missing_field", "the notice has no title")
    fields = notice_fields(html)
    values, codes = _notice_values(fields, synonyms, records)
    notice_no = _first(values, "notice_no")
    section = _first(values, "lot")
    if payload.get("source_format") in SECTION_KEYED_FORMATS and section:
        # Epoint result notices carry no 项目编号, only the 标段(包)编号 the trading centre gave
        # the section; its candidate notice (中标候选人公示) carries the same code. Keyed by
        # format + section code, both notices are one tender even when a portal lists them as
        # two sources, and the id does not depend on the portal's infoid.
        tender = ids.tender_id(str(payload["source_format"]), section, None)
        notice_no = notice_no or section
    else:
        tender = ids.tender_id(prov.source, notice_no, _text(payload.get("notice_id")))
    if tender is None:
        raise Rejected("missing_field", "neither a notice number (项目编号) nor a notice id")
    region = _text(payload.get("region"))
    orgs = _Organisations(records, prov)
    buyer = orgs.add(_first(values, "buyer"), uscc=codes.get("buyer"), region=region)
    agency = orgs.add(_first(values, "agency"), uscc=codes.get("agency"))
    published = _date(_first(values, "published"), "published") or _date(
        _text(payload.get("published")), "published"
    )
    budget = None
    budget_field = next((f for f in values.get("budget", []) if _text(f.value)), None)
    if budget_field:
        budget = _price(budget_field, records, strict=True)
    method = _first(values, "method")
    sentence = _TENDER_SENTENCE.search(fields.text)
    tender_published = _date(_first(values, "tender_published"), "tender_published")
    bid_deadline = _date(_first(values, "bid_deadline"), "bid_deadline")
    if sentence:
        tender_published = tender_published or _date(sentence.group(1), "tender notice date")
        bid_deadline = bid_deadline or _date(sentence.group(2), "bid opening")
    row = {
        "tender_id": tender,
        "source": prov.source,
        "notice_no": notice_no,
        "title": title,
        "buyer_id": buyer,
        "agency_id": agency,
        "procurement_method": method_code(method) or _title_method(title),
        "category": category_code(_first(values, "category")),
        "region": region,
        "published_at": published,
        "tender_published_at": tender_published,
        "bid_deadline_at": bid_deadline,
        "award_date": _date(_first(values, "award_date"), "award_date"),
        "budget_amount": budget.amount if budget else None,
        "currency": budget.currency if budget and budget.amount is not None else None,
        "is_correction": "更正" in title,
    }
    return row, fields, values, codes, orgs


def _title_method(title: str) -> str | None:
    code = method_code(title)
    return code if code != title else None


@dataclass
class _TableAward:
    supplier: str
    lot: str | None
    price: _Field | None
    unit_price: str | None  # an 入围价 (a framework's unit price): kept as text only


def _awards_from_table(
    grid: list[list[str]], synonyms: Mapping[str, str]
) -> list[_TableAward]:
    """Winners of a per-package table (包号 | 中标供应商 | 中标金额), one per row.

    CCGP notices with several packages print the notice total in the prose and each
    package's supplier and amount in such a table (rowspans already repeated by the
    extractor); the table is the truth per supplier. A framework's shortlist (入围候选人名称 |
    入围价 per 剂型) is read the same way, its unit prices kept as text, never as amounts.
    """
    if len(grid) < 2:
        return []
    header = [_resolve(cell, synonyms) for cell in grid[0]]
    names = [name for name, _unit in header]
    supplier = "supplier" if "supplier" in names else "candidate"
    if supplier not in names or not {"amount", "lot", "bid_amount", "unit_price"} & set(names):
        return []
    if supplier == "candidate" and "lot" not in names:
        return []  # a candidate ranking, not a list of winners

    def cell(row: list[str], name: str) -> str | None:
        return _text(row[names.index(name)]) if name in names else None

    found = []
    for row in grid[1:]:
        if len(row) != len(names) or not cell(row, supplier) or len(set(row)) == 1:
            continue  # a short row, or a heading spanning the table ("A：甲肝疫苗")
        amount = cell(row, "amount")
        unit = header[names.index("amount")][1] if amount else None
        found.append(_TableAward(
            supplier=str(cell(row, supplier)),
            lot=cell(row, "lot"),
            price=_Field(grid[0][names.index("amount")], amount, unit) if amount else None,
            unit_price=cell(row, "unit_price") or cell(row, "bid_amount"),
        ))
    return found


def _award_row(
    tender: dict[str, Any], lot: str | None, supplier_id: str, price: _Price, period: int | None
) -> dict[str, Any]:
    """One supplier's award of a tender (or of one of its lots)."""
    return {
        "award_id": ids.award_id(tender["tender_id"], lot, supplier_id),
        "tender_id": tender["tender_id"],
        "supplier_id": supplier_id,
        "lot": lot,
        "amount": price.amount,
        "currency": price.currency or ("CNY" if price.amount is not None else None),
        "amount_text": price.text,
        "discount_rate": price.rate.quantize(_RATE_PLACES) if price.rate else None,
        "contract_period_days": period,
        "award_date": tender["award_date"],
    }


def _award_notice(
    payload: Mapping[str, Any], prov: Provenance, records: Records, synonyms: Mapping[str, str]
) -> None:
    tender, fields, values, codes, orgs = _notice_tender(payload, prov, records, synonyms)
    for grid in fields.tables:
        table_awards = _awards_from_table(grid, synonyms)
        if table_awards:
            _table_awards(table_awards, tender, records, orgs, prov, values)
            return
    suppliers = [f for f in values.get("supplier", []) if _text(f.value)]
    if not suppliers:
        raise Rejected("missing_field", "no winner (中标人/成交供应商) in the notice")
    prices = values.get("amount", [])
    blank = [p for p in prices if not _text(p.value)]
    if prices and len(blank) == len(prices):
        raise Rejected("missing_amount", f"{prices[0].label} is present but blank")
    read = [_price(p, records, strict=True) for p in prices if _text(p.value)]
    lot = _first(values, "lot")
    period = _days(_first(values, "contract_period_days"))
    for index, supplier in enumerate(suppliers):
        # One price per winner when the notice lists them side by side; else the one price.
        price = read[index] if len(read) == len(suppliers) else (read[0] if read else _Price())
        members = split_consortium(supplier.value)
        # A code printed after a consortium cannot be told apart between its members.
        code = codes.get("supplier") if index == 0 and len(members) == 1 else None
        for member in members:
            supplier_id = orgs.add(member, uscc=code)
            if supplier_id is None:
                continue
            _finish(records, "awards", _award_row(tender, lot, supplier_id, price, period), prov)
    _finish(records, "tenders", tender, prov)
    orgs.finish()


def _table_awards(
    found: list[_TableAward], tender: dict[str, Any], records: Records, orgs: _Organisations,
    prov: Provenance, values: dict[str, list[_Field]],
) -> None:
    period = _days(_first(values, "contract_period_days"))
    for entry in found:
        price = _price(entry.price, records, strict=True) if entry.price else _Price(
            text=entry.unit_price
        )
        for member in split_consortium(entry.supplier):
            supplier_id = orgs.add(member)
            if supplier_id is None:
                continue
            _finish(records, "awards", _award_row(tender, entry.lot, supplier_id, price, period),
                    prov)
    _finish(records, "tenders", tender, prov)
    orgs.finish()


_RANK_WORDS = re.compile(r"第?([一二三四五六七八九十\d]+)(?:名|中标候选人|候选人)?$")
_DISQUALIFIED = ("否决", "无效", "废标", "不合格")
_TEXT_CANDIDATE = re.compile(
    r"第([一二三四五六七八九十]|\d{1,2})(?:名)?中标候选人[:：]\s*([^\s,，;；]+)"
)


def _rank(text: str | None) -> int | None:
    match = _RANK_WORDS.match((text or "").replace(" ", ""))
    if not match:
        return None
    number = match.group(1)
    return int(number) if number.isdigit() else int(cn2an.cn2an(number, "smart"))


@dataclass
class _Candidate:
    name: str
    price: str | None = None
    rank: int | None = None
    disqualified: bool = False


def _candidates_from_table(grid: list[list[str]], synonyms: Mapping[str, str]) -> list[_Candidate]:
    """Candidates of a table laid out by column (label, then one column per candidate) or by
    row (a header row, then one row per candidate)."""
    by_label: dict[str, list[str]] = {}
    for row in grid:
        if not row:
            continue
        canonical, _unit = _resolve(row[0], synonyms)
        if canonical in ("candidate", "bid_amount", "rank"):
            width = next((i for i, cell in enumerate(row) if cell != row[0]), len(row))
            by_label.setdefault(canonical, row[width:])
        other = [cell for cell in row[1:] if cell != row[0]]
        if canonical is None and other and any(w in "".join(other) for w in _DISQUALIFIED):
            by_label.setdefault("_notes", other)
    names = by_label.get("candidate")
    if names:
        notes = by_label.get("_notes", [])
        prices = by_label.get("bid_amount", [])
        ranks = by_label.get("rank", [])
        return [
            _Candidate(
                name=name,
                price=prices[i] if i < len(prices) else None,
                rank=_rank(ranks[i]) if i < len(ranks) else None,
                disqualified=i < len(notes) and any(w in notes[i] for w in _DISQUALIFIED),
            )
            for i, name in enumerate(names)
            if _text(name)
        ]
    if len(grid) < 2:
        return []
    header = [_resolve(cell, synonyms)[0] for cell in grid[0]]
    if "candidate" not in header:
        return []
    column = header.index
    found = []
    for row in grid[1:]:
        if len(row) != len(header) or not _text(row[column("candidate")]):
            continue
        found.append(
            _Candidate(
                name=row[column("candidate")],
                price=row[column("bid_amount")] if "bid_amount" in header else None,
                rank=_rank(row[column("rank")]) if "rank" in header else None,
                disqualified=any(w in cell for cell in row for w in _DISQUALIFIED),
            )
        )
    return found


def _candidate_notice(
    payload: Mapping[str, Any], prov: Provenance, records: Records, synonyms: Mapping[str, str]
) -> None:
    tender, fields, values, _codes, orgs = _notice_tender(payload, prov, records, synonyms)
    candidates: list[_Candidate] = []
    for grid in fields.tables:
        candidates = _candidates_from_table(grid, synonyms)
        if candidates:
            break
    if not candidates:
        candidates = [
            _Candidate(name=m.group(2), rank=_rank(m.group(1)))
            for m in _TEXT_CANDIDATE.finditer(fields.text)
        ]
    if not candidates:
        raise Rejected("missing_field", "no candidates (中标候选人) in the notice")
    lot = _first(values, "lot")
    for candidate in candidates:
        price = _Price(text=_text(candidate.price))
        if price.text:
            price = _price(_Field("投标报价", price.text, None), records, strict=False)
        for member in split_consortium(candidate.name):
            bidder = orgs.add(member)
            if bidder is None:
                continue
            row = {
                "bid_id": ids.bid_id(tender["tender_id"], lot, bidder),
                "tender_id": tender["tender_id"],
                "bidder_id": bidder,
                "lot": lot,
                "amount": price.amount,
                "currency": price.currency,
                "amount_text": price.text,
                # A 下浮率 is a rate, never an amount: it has its own column.
                "discount_rate": price.rate.quantize(_RATE_PLACES) if price.rate else None,
                "rank": candidate.rank,
                "disqualified": candidate.disqualified,
            }
            _finish(records, "bids", row, prov)
    _finish(records, "tenders", tender, prov)
    orgs.finish()


# ---------------------------------------------------------------------------------------------
# OCDS releases

_OCDS_METHODS = {
    "open": "open",
    "selective": "selective",
    "limited": "limited",
    "direct": "single_source",
}


def _decimal(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        # str() first: a float from json becomes its shortest repr, never binary noise.
        return Decimal(str(value)).quantize(_CENT)
    except InvalidOperation:
        raise Rejected("bad_amount", f"{field}: not a number: {value!r}") from None


def _as_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]  # Taiwan publishes single objects where the standard has arrays
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _ocds_release(
    payload: Mapping[str, Any], prov: Provenance, records: Records, _synonyms: Mapping[str, str]
) -> None:
    release = payload.get("release")
    if not isinstance(release, dict):
        raise Rejected("unparseable", "payload has no release object")
    ocid = _text(release.get("ocid"))
    if not ocid:
        raise Rejected("missing_field", "release has no ocid")
    orgs = _Organisations(records, prov)
    parties = {str(p.get("id")): p for p in _as_list(release.get("parties")) if p.get("id")}

    def org(ref: Any) -> str | None:
        if not isinstance(ref, dict):
            return None
        party = parties.get(str(ref.get("id")), ref)
        identifiers = _as_list(party.get("identifier")) + _as_list(
            party.get("additionalIdentifiers")
        )
        name = party.get("name") or ref.get("name")
        name = name or next((i.get("legalName") for i in identifiers if i.get("legalName")), None)
        for identifier in identifiers:
            scheme, code = identifier.get("scheme"), _text(identifier.get("id"))
            if scheme == "CN-USCC" and code:
                return orgs.add(name, uscc=code)
        for identifier in identifiers:
            scheme, code = _text(identifier.get("scheme")), _text(identifier.get("id"))
            if scheme and code:
                return orgs.add(name or f"{scheme}-{code}", org_id=f"ocds:{scheme}-{code}")
        return orgs.add(name)

    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    assert isinstance(tender, dict)
    roles: dict[str, Any] = {}
    for party in parties.values():
        for role in party.get("roles") or []:
            roles.setdefault(role, party)
    buyer = org(release.get("buyer") or roles.get("buyer"))
    agency = org(tender.get("procuringEntity") or roles.get("procuringEntity"))
    awards = _as_list(release.get("awards"))
    bids = (
        _as_list((release.get("bids") or {}).get("details"))
        if isinstance(release.get("bids"), dict)
        else []
    )
    if not (tender or awards or bids or buyer):
        raise Rejected("empty_release", f"{ocid}: no tender, award, bid or buyer to record")
    period = tender.get("tenderPeriod") or tender.get("tederPeriod") or {}
    value = tender.get("value") or (tender.get("budget") or {}).get("value") or {}
    budget = (
        _decimal(value.get("amount"), "tender.value.amount") if isinstance(value, dict) else None
    )
    details = _text(tender.get("procurementMethodDetails"))
    method = _text(tender.get("procurementMethod"))
    detail_code = method_code(details)
    title = (
        _text(tender.get("title"))
        or _text(release.get("title"))
        or _text(release.get("name"))
        or ocid
    )
    tender_row: dict[str, Any] = {
        "tender_id": ocid,
        "source": prov.source,
        "notice_no": _text(tender.get("id")),
        "title": title,
        "buyer_id": buyer,
        "agency_id": agency,
        "procurement_method": (detail_code if detail_code != details else None)
        or _OCDS_METHODS.get(method or "", method),
        "category": _text(tender.get("mainProcurementCategory")),
        "region": None,
        "published_at": _date(release.get("date"), "date"),
        # The tender notice opens the bidding period; datePublished is the tender section's own.
        "tender_published_at": _date(
            (period.get("startDate") if isinstance(period, dict) else None)
            or tender.get("datePublished"),
            "tenderPeriod.startDate",
        ),
        "bid_deadline_at": _date(
            period.get("endDate") if isinstance(period, dict) else None, "tenderPeriod.endDate"
        ),
        "award_date": None,
        "budget_amount": budget,
        "currency": _text(value.get("currency")).upper()  # type: ignore[union-attr]
        if budget is not None and _text(value.get("currency"))
        else None,
        "is_correction": "amendment" in str(release.get("tag") or "")
        or "Update" in str(release.get("tag") or ""),
    }
    for award in awards:
        status = _text(award.get("status"))
        if status in ("cancelled", "unsuccessful"):
            continue
        suppliers = _as_list(award.get("suppliers")) + [
            s for item in _as_list(award.get("items")) for s in _as_list(item.get("suppliers"))
        ]
        award_date = _date(award.get("date") or award.get("awardDate"), "award.date")
        tender_row["award_date"] = tender_row["award_date"] or award_date
        if not suppliers:
            records.warnings.append(f"award_without_supplier: {ocid}/{award.get('id')}")
        for supplier in suppliers:
            supplier_id = org(supplier)
            if supplier_id is None:
                continue
            money = award.get("value") or supplier.get("awardValue") or {}
            amount = _decimal(money.get("amount"), "award.value.amount")
            currency = _text(money.get("currency"))
            award_row: dict[str, Any] = {
                "award_id": f"{ocid}/{award.get('id') or ''}/{supplier_id}",
                "tender_id": ocid,
                "supplier_id": supplier_id,
                "lot": _text(",".join(map(str, award.get("relatedLots") or []))),
                "amount": amount,
                "currency": currency.upper() if currency and amount is not None else None,
                "amount_text": None,
                "discount_rate": None,
                "contract_period_days": None,
                "award_date": award_date,
            }
            _finish(records, "awards", award_row, prov)
    for bid in bids:
        money = bid.get("value") or {}
        amount = _decimal(money.get("amount"), "bid.value.amount")
        currency = _text(money.get("currency"))
        for tenderer in _as_list(bid.get("tenderers")):
            bidder = org(tenderer)
            if bidder is None:
                continue
            row: dict[str, Any] = {
                "bid_id": f"{ocid}/{bid.get('id') or ''}/{bidder}",
                "tender_id": ocid,
                "bidder_id": bidder,
                "lot": _text(",".join(map(str, bid.get("relatedLots") or []))),
                "amount": amount,
                "currency": currency.upper() if currency and amount is not None else None,
                "amount_text": None,
                "discount_rate": None,
                "rank": None,
                "disqualified": bid.get("status") == "disqualified",
            }
            _finish(records, "bids", row, prov)
    _finish(records, "tenders", tender_row, prov)
    orgs.finish()


# ---------------------------------------------------------------------------------------------
# The three lists

LIST_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        ["事项编码", "职权编码", "TASK_CODE", "基本编码", "权力编码", "实施编码"], "item_code"
    ),
    **dict.fromkeys(["事项名称", "职权名称", "TASK_NAME", "权力名称", "权力事项名称"], "name"),
    **dict.fromkeys(["子项名称", "subTaskName"], "sub_item"),
    **dict.fromkeys(
        ["事项类型", "职权类型", "TASK_TYPE_TEXT", "类型代码", "TASK_TYPE", "权力类型"],
        "power_type",
    ),
    **dict.fromkeys(
        ["实施主体", "实施部门", "DEPT_NAME", "实施机关", "授权部门", "主管部门"], "department"
    ),
    **dict.fromkeys(["AREA_CODE_TEXT", "行政区划", "所属区划"], "region"),
    **dict.fromkeys(["设定依据", "法律依据", "依据", "实施依据"], "legal_basis"),
    **dict.fromkeys(["法定办结时限", "法定时限", "handle_time"], "statutory"),
    **dict.fromkeys(["承诺办结时限", "承诺时限", "handle_time_limit"], "promised"),
    **dict.fromkeys(["收费标准", "是否收费", "收费依据及标准"], "fees"),
    **dict.fromkeys(["行使层级", "实施层级", "matter_level"], "level"),
    **dict.fromkeys(["对应权力事项编码", "权力事项编码"], "power_item_code"),
    **dict.fromkeys(["行业", "行业领域"], "industry"),
    **dict.fromkeys(["管理措施", "禁止或限制", "禁止或许可", "禁止或许可事项"], "restriction"),
    **dict.fromkeys(["责任事项", "责任事项内容"], "duties"),
    **dict.fromkeys(["追责情形", "追责对象范围", "问责情形"], "accountability"),
    **dict.fromkeys(["措施描述", "具体措施", "措施内容"], "description"),
    **dict.fromkeys(["清单类型", "清单类别"], "list_kind"),
}
# What a row's own 清单类型 column says, for files that hold several lists.
LIST_KIND_NAMES: dict[str, str] = {
    "权力清单": "power",
    "权责清单": "power",
    "责任清单": "responsibility",
    "负面清单": "negative",
    "市场准入负面清单": "negative",
}
# Keys of the Guangdong catalogue export that describe the service counter, not the power.
LIST_IGNORED: frozenset[str] = frozenset(
    [
        "_id",
        "ORGCODE",
        "LIMIT_SCENE_NUM",
        "TASK_STATE",
        "CATANAME",
        "parentCatalogId",
        "parentCatalogName",
        "CATAID",
        "URL",
        "TASK_TAG",
        "AREACODE",
        "subCatalogName",
        "ONLINECHECK",
        "matter_name",
        "matter_short",
        "matter_daily",
        "matter_code",
        "visit_number",
        "co_department",
        "handle_location",
        "matter_type",
        "accept_standard",
        "consult_phone",
        "courier_service",
        "bear_paltform",
        "complain_phone",
        "online_book",
        "online_book_addr",
        "district",
        "theme_category",
        "service_object_name",
        "material_intro",
        "序号",
    ]
)
POWER_TYPES: dict[str, str] = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    # Guangdong's catalogue codes, seen beside their labels in the corpus.
    "20": "其他行政权力",
    "21": "公共服务",
}
LIST_KINDS = ("power", "responsibility", "negative")


def _row_values(
    row: Mapping[str, Any], synonyms: Mapping[str, str], ignored: frozenset[str], records: Records
) -> dict[str, list[Any]]:
    values: dict[str, list[Any]] = {}
    for key, value in row.items():
        canonical = synonyms.get(_key(str(key)))
        if canonical is None:
            if str(key) not in ignored and _key(str(key)) not in ignored:
                records.unknown(str(key))
            continue
        values.setdefault(canonical, []).append(value)
    return values


def _pick(values: dict[str, list[Any]], name: str) -> str | None:
    return next((t for t in (_text(v) for v in values.get(name, [])) if t), None)


def _limit(value: str | None, field: str) -> tuple[int | None, str | None]:
    try:
        limit = parse_time_limit(value)
    except NormaliseError as error:
        raise Rejected("bad_limit", f"{field}: {error.reason}") from None
    return (limit.value, limit.unit) if limit else (None, None)


def _power_type(values: list[Any]) -> str | None:
    texts = [t for t in (_text(v) for v in values) if t]
    named = next((t for t in texts if not t.isdigit()), None)
    if named:
        return named
    code = next((t for t in texts), None)
    return POWER_TYPES.get(code.zfill(2), code) if code else None


def _list_item(
    payload: Mapping[str, Any], prov: Provenance, records: Records, synonyms: Mapping[str, str]
) -> None:
    row = payload.get("row")
    if not isinstance(row, Mapping):
        raise Rejected("unparseable", "payload has no row object")
    values = _row_values(row, synonyms, LIST_IGNORED, records)
    kind_text = _pick(values, "list_kind")
    kind = LIST_KIND_NAMES.get(kind_text, kind_text) if kind_text else payload.get("list_kind")
    if kind not in LIST_KINDS:
        raise Rejected("unknown_kind", f"list_kind must be one of {LIST_KINDS}, not {kind!r}")
    code = _pick(values, "item_code")
    name = _pick(values, "name")
    if not code or not name:
        raise Rejected("missing_field", "a list item needs its code (事项编码) and name (事项名称)")
    statutory, statutory_unit = _limit(_pick(values, "statutory"), "法定时限")
    promised, promised_unit = _limit(_pick(values, "promised"), "承诺时限")
    department = _pick(values, "department")
    region = _pick(values, "region")
    orgs = _Organisations(records, prov)
    # A bare number is a department code (Liaoning's 授权部门), not a name to file under.
    department_id = (
        orgs.add(department, region=region) if department and not department.isdigit() else None
    )
    restriction = _pick(values, "restriction")
    if restriction:
        restriction = (
            "prohibited"
            if "禁止" in restriction
            else "restricted"
            if "限制" in restriction
            else restriction
        )
    fees = _pick(values, "fees")
    item = {
        "item_id": ids.item_id(kind, code),
        "list_kind": kind,
        "item_code": code,
        "name": name,
        "sub_item": _pick(values, "sub_item"),
        "power_type": _power_type(values.get("power_type", [])),
        "department": department,
        "department_id": department_id,
        "region": region,
        "legal_basis": clean_legal_basis(_pick(values, "legal_basis")) or None,
        "statutory_limit": statutory,
        "statutory_unit": statutory_unit,
        "promised_limit": promised,
        "promised_unit": promised_unit,
        "fees": None if fees in ("否", "不收费", "免费") else fees,
        "level": _pick(values, "level"),
        "power_item_code": _pick(values, "power_item_code"),
        "industry": _pick(values, "industry"),
        "restriction": restriction,
        "duties": _pick(values, "duties"),
        "accountability": _pick(values, "accountability"),
        "description": _pick(values, "description"),
    }
    _finish(records, "list_items", item, prov)
    orgs.finish()


# ---------------------------------------------------------------------------------------------
# Approval cases

CASE_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["办件编号", "办件号", "申报号", "受理编号", "办件流水号"], "case_id"),
    **dict.fromkeys(["事项编码", "事项代码"], "item_code"),
    **dict.fromkeys(["事项名称", "申报事项"], "item_name"),
    **dict.fromkeys(["受理部门", "办理部门", "实施部门"], "department"),
    **dict.fromkeys(["项目代码", "投资项目代码"], "project_code"),
    **dict.fromkeys(["申请人", "申请人名称", "申请单位", "申报单位", "申请者"], "applicant"),
    **dict.fromkeys(["受理时间", "受理日期"], "accepted_at"),
    **dict.fromkeys(["办结时间", "办结日期"], "completed_at"),
    **dict.fromkeys(["应办结时间", "办结期限", "截止时间"], "deadline_at"),
    **dict.fromkeys(["办件状态", "状态", "办理状态"], "status"),
    **dict.fromkeys(["承诺时限", "承诺办结时限"], "promised"),
    **dict.fromkeys(["申请人类型", "申请人性质", "申请主体类型"], "applicant_type"),
    **dict.fromkeys(["统一社会信用代码", "申请人统一社会信用代码", "信用代码"], "applicant_uscc"),
}
CASE_IGNORED: frozenset[str] = frozenset({"序号"})
APPLICANT_TYPES = {
    "法人": "legal_person",
    "企业法人": "legal_person",
    "法人或其他组织": "legal_person",
    "其他组织": "legal_person",
    "自然人": "natural_person",
    "个人": "natural_person",
}
STATUSES = {
    "已受理": "accepted",
    "受理": "accepted",
    "办理中": "in_progress",
    "在办": "in_progress",
    "已办结": "completed",
    "办结": "completed",
    "不予受理": "rejected",
    "不予许可": "rejected",
}
_PERSON = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
# Endings of organisation names that can be as short as a personal name (税务局, 某某厂).
_ORG_ENDINGS = tuple(
    [
        "公司",
        "局",
        "厅",
        "院",
        "所",
        "中心",
        "厂",
        "店",
        "社",
        "会",
        "部",
        "队",
        "站",
        "处",
        "委",
        "办",
        "行",
        "校",
        "园",
        "馆",
        "场",
        "室",
        "组",
        "村",
        "镇",
        "街道",
        "政府",
        "集团",
        "合作社",
        "协会",
        "医院",
        "学校",
    ]
)


def mask_applicant(name: str) -> str:
    """A natural person's name (2–4 Chinese characters, no organisation ending) becomes the
    surname and asterisks: 张三 → 张*. Organisations are published in full."""
    if _PERSON.match(name) and not name.endswith(_ORG_ENDINGS):
        return name[0] + "*" * (len(name) - 1)
    return name


def _approval_case(
    payload: Mapping[str, Any], prov: Provenance, records: Records, synonyms: Mapping[str, str]
) -> None:
    row = payload.get("row")
    if not isinstance(row, Mapping):
        raise Rejected("unparseable", "payload has no row object")
    values = _row_values(row, synonyms, CASE_IGNORED, records)
    case_id = _pick(values, "case_id")
    if not case_id:
        raise Rejected("missing_field", "an approval case needs its case number (办件编号)")
    accepted = _date(_pick(values, "accepted_at"), "受理时间")
    if accepted is None:
        raise Rejected("missing_field", "an approval case needs its acceptance time (受理时间)")
    completed = _date(_pick(values, "completed_at"), "办结时间")
    status_text = _pick(values, "status")
    status = STATUSES.get(status_text or "", status_text)
    if status is None:
        status = "completed" if completed else "in_progress"
    promised, promised_unit = _limit(_pick(values, "promised"), "承诺时限")
    department = _pick(values, "department")
    orgs = _Organisations(records, prov)
    applicant = _pick(values, "applicant")
    applicant_type = _pick(values, "applicant_type")
    case = {
        "case_id": case_id,
        "item_code": _pick(values, "item_code"),
        "item_name": _pick(values, "item_name"),
        "department": department,
        "department_id": orgs.add(department),
        "project_code": _pick(values, "project_code"),
        "applicant": mask_applicant(applicant) if applicant else None,
        "applicant_type": APPLICANT_TYPES.get(applicant_type or "", applicant_type),
        "applicant_uscc": _pick(values, "applicant_uscc"),
        "accepted_at": accepted,
        "completed_at": completed,
        "deadline_at": _date(_pick(values, "deadline_at"), "deadline"),
        "status": status,
        "promised_limit": promised,
        "promised_unit": promised_unit,
    }
    _finish(records, "approval_cases", case, prov)
    orgs.finish()


# ---------------------------------------------------------------------------------------------
# Case event logs: one row per step, the case's own facts repeated on each row

CASE_LOG_SYNONYMS: dict[str, str] = {
    # Case-level columns (XES attribute names as process-mining exports write them).
    **dict.fromkeys(["case:concept:name", "case_id", "办件编号", "case"], "case_id"),
    **dict.fromkeys(["case:startdate", "受理时间", "case_start"], "accepted_at"),
    **dict.fromkeys(["case:enddate", "办结时间", "case_end"], "completed_at"),
    **dict.fromkeys(["case:deadline", "应办结时间", "deadline"], "deadline_at"),
    **dict.fromkeys(["case:department", "受理部门"], "department"),
    **dict.fromkeys(["case:item_code", "事项编码"], "item_code"),
    **dict.fromkeys(["case:item_name", "事项名称"], "item_name"),
    **dict.fromkeys(["case:project_code", "项目代码"], "project_code"),
    # Step-level columns.
    **dict.fromkeys(["concept:name", "环节名称", "activity"], "step_name"),
    **dict.fromkeys(["time:timestamp", "办理时间", "timestamp"], "at"),
    **dict.fromkeys(["lifecycle:transition"], "transition"),
    **dict.fromkeys(["org:resource", "办理人", "resource"], "actor"),
    **dict.fromkeys(["org:group", "办理科室"], "actor_group"),
    **dict.fromkeys(["concept:instance", "环节编号"], "step_ref"),
}
# Columns of the Dutch permit log about the counter, not the case's timeline: the channel it
# came in by, the planned end (a copy of the deadline) and who was responsible for the case.
CASE_LOG_IGNORED: frozenset[str] = frozenset(
    ["case:channel", "case:group", "case:responsible", "case:enddate_planned"]
)


def case_log_key(header: Iterable[str], extra: Mapping[str, str] | None = None) -> str | None:
    """The column of a case event log that holds the case id, or None when there is none."""
    synonyms = _synonyms(CASE_LOG_SYNONYMS, extra)
    return next((h for h in header if synonyms.get(_key(h)) == "case_id"), None)


def _case_log(
    payload: Mapping[str, Any], prov: Provenance, records: Records, synonyms: Mapping[str, str]
) -> None:
    rows = payload.get("rows")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, Mapping) for r in rows):
        raise Rejected("unparseable", "payload has no list of event rows")
    first = _row_values(rows[0], synonyms, CASE_LOG_IGNORED, records)
    case_id = _pick(first, "case_id")
    if not case_id:
        raise Rejected("missing_field", "a case log row needs its case id")
    steps: list[tuple[datetime, int, dict[str, Any]]] = []
    for position, row in enumerate(rows):
        values = _row_values(row, synonyms, CASE_LOG_IGNORED, records)
        if _pick(values, "case_id") != case_id:
            raise Rejected("unparseable", f"rows of several cases in one payload: {case_id}")
        at = _date(_pick(values, "at"), "time of step")
        name = _pick(values, "step_name")
        if at is None or not name:
            raise Rejected("missing_field", f"case {case_id}: a step needs its name and time")
        steps.append((at, position, values))
    accepted = _date(_pick(first, "accepted_at"), "case start")
    if accepted is None:
        # Without a published start, the case began with its first step.
        accepted = min(at for at, _, _ in steps)
    completed = _date(_pick(first, "completed_at"), "case end")
    department = _pick(first, "department")
    orgs = _Organisations(records, prov)
    case = {
        "case_id": case_id,
        "item_code": _pick(first, "item_code"),
        "item_name": _pick(first, "item_name"),
        "department": department,
        "department_id": orgs.add(department) if department else None,
        "project_code": _pick(first, "project_code"),
        "applicant": None,
        "applicant_type": None,
        "applicant_uscc": None,
        "accepted_at": accepted,
        "completed_at": completed,
        "deadline_at": _date(_pick(first, "deadline_at"), "case deadline"),
        "status": "completed" if completed else "in_progress",
        "promised_limit": None,
        "promised_unit": None,
    }
    _finish(records, "approval_cases", case, prov)
    for seq, (at, _position, values) in enumerate(sorted(steps, key=lambda s: s[:2]), start=1):
        step = {
            "step_id": f"{case_id}:{_pick(values, 'step_ref') or seq}",
            "case_id": case_id,
            "seq": seq,
            "step_name": _pick(values, "step_name"),
            "happened_at": at,
            "transition": _pick(values, "transition"),
            "actor": _pick(values, "actor"),
            "actor_group": _pick(values, "actor_group"),
        }
        _finish(records, "approval_steps", step, prov)
    orgs.finish()


# ---------------------------------------------------------------------------------------------

_Builder = Callable[[Mapping[str, Any], Provenance, Records, Mapping[str, str]], None]
_BUILDERS: dict[str, tuple[_Builder, Mapping[str, str]]] = {
    "award_notice": (_award_notice, NOTICE_SYNONYMS),
    "candidate_notice": (_candidate_notice, NOTICE_SYNONYMS),
    "ocds_release": (_ocds_release, {}),
    "list_item": (_list_item, LIST_SYNONYMS),
    "approval_case": (_approval_case, CASE_SYNONYMS),
    "case_log": (_case_log, CASE_LOG_SYNONYMS),
}
KINDS = tuple(_BUILDERS)
_SYNONYM_CACHE: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, str]] = {}


def build_records(
    kind: str,
    payload: Mapping[str, Any],
    prov: Provenance,
    *,
    extra_synonyms: Mapping[str, str] | None = None,
) -> Records:
    """Build the rows of one fetched record, or raise `Rejected`.

    `extra_synonyms` maps further labels (notice labels, list or case column headers) to the
    canonical fields of this kind, e.g. {"成交价格(元)": "amount"}; sources.toml passes them.
    """
    if kind not in _BUILDERS:
        raise Rejected("unknown_kind", f"unknown record kind {kind!r}; known: {', '.join(KINDS)}")
    builder, base = _BUILDERS[kind]
    extra = tuple(sorted((extra_synonyms or {}).items()))
    synonyms = _SYNONYM_CACHE.get((kind, extra))
    if synonyms is None:
        synonyms = _SYNONYM_CACHE.setdefault((kind, extra), _synonyms(base, dict(extra)))
    records = Records()
    try:
        builder(payload, prov, records, synonyms)
    except Rejected:
        raise
    except NormaliseError as error:
        raise Rejected(error.code, error.reason) from None
    except (TypeError, ValueError, AttributeError, KeyError) as error:
        # Hostile input in a shape no check above foresaw: a reject with the reason, not a
        # crashed run.
        raise Rejected("unparseable", f"{type(error).__name__}: {error}") from None
    return records


def merge_records(records: Iterable[Records]) -> dict[str, list[dict[str, Any]]]:
    """Merge the rows of many records into one batch per table, for one upsert each."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for built in records:
        for table, rows in built.items():
            merged.setdefault(table, []).extend(rows)
    return merged
