"""Deterministic records of the sample portal, computed on demand.

Record i of each kind is a pure function of (seed, kind, i, size): nothing is built up front,
so a page of a million-record portal costs what a page of a hundred-record one does. Only the
timeline depends on the size (records are spread over the working days of 2025, newest first);
names, amounts and parties depend on (seed, kind, i) alone.

A few defects are planted at positions computed from the size (see `planted_defects`), so
tests can compare what Sunlit rejected or flagged with what was planted.
"""

from __future__ import annotations

import functools
import math
import random
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import chinese_calendar
from stdnum.cn import ric, uscc

from disclosures.portal import names
from disclosures.portal.names import Region

YEAR_START = date(2025, 1, 2)
YEAR_END = date(2025, 12, 31)
# Open approval cases are those whose deadline falls after this day: the portal's "today".
REFERENCE_DATE = YEAR_END
_WINDOW = 9 * 3600 + 1800  # records are published between 08:30 and 18:00
CENT = Decimal("0.01")

# Ratios of the other formats to --size (the number of Epoint award notices).
CCGP_RATIO = (1, 3)
OCDS_RATIO = (1, 2)
LIST_RATIO = (1, 2)
APPROVAL_RATIO = (2, 1)
MIN_SIZE_WITH_ALL_DEFECTS = 60
CORRECTION_POSITION = 2  # the 更正公告 is the award list's third entry: among the newest


def scaled(size: int, ratio: tuple[int, int]) -> int:
    return max(1, size * ratio[0] // ratio[1])


# ---- calendar ---------------------------------------------------------------------------------


@functools.cache
def workdays_2025() -> tuple[date, ...]:
    return tuple(chinese_calendar.get_workdays(YEAR_START, YEAR_END))


def add_workdays(day: date, count: int) -> date:
    """The count-th working day after `day` (count > 0), or before it (count < 0)."""
    if count == 0:
        return day
    found: date = chinese_calendar.find_workday(count, day)
    return found


def timeline(position: int, count: int) -> datetime:
    """When the record at `position` (0 = newest) of `count` was published.

    Records fill the 08:30–18:00 window of every working day of 2025, evenly, newest first,
    so any position's time is computed without looking at the others.
    """
    days = workdays_2025()
    slot = position * len(days) * _WINDOW // max(count, 1)
    day = days[len(days) - 1 - slot // _WINDOW]
    second = _WINDOW - 1 - slot % _WINDOW
    return datetime.combine(day, time(8, 30)) + timedelta(seconds=second)


# ---- identifiers ------------------------------------------------------------------------------


def _org_code(rng: random.Random) -> str:
    """A 9-character 组织机构代码 with its GB 11714 check character.

    python-stdnum checks only the USCC's final digit, not this inner one, so it is computed here.
    """
    body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, kind_code: str, region_code: str) -> str:
    """A 统一社会信用代码 (GB 32100-2015) with a valid check digit."""
    first17 = kind_code + region_code + _org_code(rng)
    return first17 + uscc.calc_check_digit(first17)


def corrupt_check_digit(code: str) -> str:
    """The same code with a wrong final character, as a mistyped code looks."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + alphabet[(alphabet.index(code[-1]) + 7) % len(alphabet)]


def make_id_card(rng: random.Random, region_code: str) -> str:
    """An 18-digit 居民身份证号码 that python-stdnum accepts: valid check digit, and a birth
    place code that existed in the birth year (districts renamed later are skipped)."""
    for attempt in range(100):
        code = region_code if attempt == 0 else rng.choice(names.REGIONS).code
        birth = date(1970, 1, 1) + timedelta(days=rng.randrange(365 * 30))
        body = f"{code}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if ric.is_valid(number):
            return number
    raise AssertionError("no valid birth place among the regions")  # the table guarantees one


def make_mobile(rng: random.Random) -> str:
    return rng.choice(("139", "138", "151", "186", "177", "199")) + f"{rng.randrange(10**8):08d}"


_UUID_MULTIPLIER = 0x9E3779B97F4B  # odd, so multiplying by it is a bijection modulo 2**48
_UUID_MODULUS = 2**48
_UUID_MASK = 0x5F3A9C1E2D4B  # xor-ed in so that small numbers do not show as leading zeros


def make_infoid(seed: int, category: str, number: int) -> str:
    """A GUID like the Epoint portal's infoid, whose last group encodes `number` reversibly."""
    rng = random.Random(f"{seed}:infoid:{category}:{number}")
    tail = (number * _UUID_MULTIPLIER) % _UUID_MODULUS ^ _UUID_MASK
    return (f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-"
            f"{8 + rng.randrange(4):x}{rng.getrandbits(12):03x}-{tail:012x}")


def infoid_number(infoid: str) -> int | None:
    """The number `make_infoid` encoded, or None for a malformed id."""
    try:
        tail = int(infoid.rsplit("-", 1)[-1], 16)
    except ValueError:
        return None
    return (tail ^ _UUID_MASK) * pow(_UUID_MULTIPLIER, -1, _UUID_MODULUS) % _UUID_MODULUS


def make_guid(rng: random.Random) -> str:
    return (f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-"
            f"{8 + rng.randrange(4):x}{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}")


# ---- organisations and people -----------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    name: str
    uscc: str


@dataclass(frozen=True)
class Person:
    name: str
    id_card: str
    mobile: str


def _permuted(index: int, modulus: int, salt: int) -> int:
    """A bijection of range(modulus): spreads consecutive indexes over the whole name space."""
    multiplier = next(m for m in (7919, 7927, 7933, 7937) if math.gcd(m, modulus) == 1)
    return (index * multiplier + salt) % modulus


def _composed_name(index: int, parts: tuple[tuple[str, ...], ...], salt: int) -> str:
    """The index-th name of the product of `parts`; distinct indexes give distinct names."""
    modulus = math.prod(len(p) for p in parts)
    rest = _permuted(index % modulus, modulus, salt)
    pieces = []
    for part in parts:
        rest, digit = divmod(rest, len(part))
        pieces.append(part[digit])
    return "".join(pieces)


def _company_parts(endings: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return (names.COMPANY_PLACES, names.TRADE_FIRST, names.TRADE_SECOND, endings)


def _company_space(endings: tuple[str, ...]) -> int:
    return math.prod(len(p) for p in _company_parts(endings))


APPLICANT_ENDINGS = (
    "置业有限公司", "实业有限公司", "新能源有限公司", "物流有限公司", "投资有限公司",
)


def person_name(rng: random.Random) -> str:
    return rng.choice(names.SURNAMES) + rng.choice(names.GIVEN_NAMES)


# ---- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bid:
    bidder: str  # one company, or a consortium "甲、乙联合体" in one string as portals print it
    members: tuple[Organisation, ...]
    price: Decimal | None  # 元
    rate: Decimal | None = None  # 下浮率 in percent, when the bid is a discount rate
    manager: str = ""  # the proposed 项目负责人's name
    disqualified: bool = False  # rejected at evaluation (否决); never the winner


@dataclass(frozen=True)
class Tender:
    """One procurement: its parties, its dates and its bids; formats render parts of it."""

    kind: str  # epoint, ccgp or ocds
    index: int
    region: Region
    buyer: Organisation
    agency: Organisation
    project: str
    project_code: str  # 项目编号
    section_code: str  # 标段(包)编号
    category: str  # 货物, 工程 or 服务
    method: str  # 公开招标 ...
    budget: Decimal
    notice_date: datetime  # the tender notice (招标公告) was published
    bid_deadline: datetime  # bids closed and were opened
    candidate_date: datetime  # candidates were published
    award_date: datetime  # the result was published
    bids: tuple[Bid, ...]  # ranked, the winner first
    duration_days: int  # 履约期限(天)
    staff: tuple[tuple[str, str], ...]  # (role, "name,certificates") of the winner's team
    amount_style: str  # how the Epoint award notice writes the amount
    date_style: str  # how it writes the publication date
    manager: Person | None = None  # set when the notice prints a full ID-card and mobile number
    defects: frozenset[str] = field(default_factory=frozenset)

    @property
    def winner(self) -> Bid:
        return self.bids[0]

    @property
    def amount(self) -> Decimal | None:
        return self.winner.price

    @property
    def bidding_days(self) -> int:
        return (self.bid_deadline.date() - self.notice_date.date()).days


@dataclass(frozen=True)
class PowerItem:
    index: int
    code: str
    name: str
    sub_name: str
    type_label: str
    type_shown: str  # the label, or a numeric code like 辽宁's "01"
    department: str
    legal_basis: str
    statutory_limit: str
    promised_limit: str
    promised_days: int | None
    fee: str
    levels: str


@dataclass(frozen=True)
class ApprovalCase:
    index: int
    number: str  # 办件编号
    item_code: str
    item_name: str
    department: str
    project_code: str
    applicant: str
    applicant_type: str  # 法人 or 自然人
    applicant_uscc: str
    accepted_at: datetime
    finished_at: datetime | None
    status: str
    promised_limit: str
    promised_days: int
    defects: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PlantedDefect:
    """A defect placed in the portal on purpose; `record_key` is how its record is identified:
    the infoid (Epoint), the detail path (CCGP), the ocid (OCDS), the 事项编码 (lists) or the
    办件编号 (approvals)."""

    format: str
    record_key: str
    code: str
    description: str


@dataclass(frozen=True)
class PlantedFlag:
    """A record planted to test one red flag: a positive the flag must raise, or a negative
    near-miss (just inside its threshold) it must not. `record_key` is the ocid (tenders), the
    统一社会信用代码 (organisations), the 事项编码 (list items) or the 办件编号 (approvals)."""

    flag_code: str
    record_key: str
    positive: bool
    description: str


@dataclass(frozen=True)
class FlagPlant:
    """An OCDS release built to raise, or just not to raise, some red flags.

    `group` puts it among the five awards of a planted buyer: "P", whose planted supplier P
    wins three of them in three categories (OT04 and R048 positives), or "Q", whose planted
    supplier Q wins three in one category for 49% of the buyer's spending (the near-misses).
    """

    name: str
    group: str  # "P", "Q" or "" (a buyer of the pool)
    winner: str  # "P", "Q" or "" (a supplier of the pool)
    category: str
    bids: str  # the price pattern, see PortalData._planted_bids
    bidding_days: int  # calendar days from the tender notice to the bid deadline
    decision_days: int  # calendar days from the bid deadline to the award
    flags: tuple[tuple[str, bool, str], ...]  # (flag code, positive, what makes it so)
    method: str = "公开招标"


FLAG_PLANTS: tuple[FlagPlant, ...] = (
    FlagPlant("close_second_bid", "P", "P", "货物", "gap:0.0005", 25, 1, (
        ("R024", True, "second-lowest bid 0.05% above the winning bid"),
        ("OT03S", True, "award 1 day after the bid deadline"))),
    FlagPlant("distant_second_bid", "P", "P", "工程", "gap:0.30", 25, 120, (
        ("R058", True, "second-lowest bid 30% above the winning bid"),
        ("OT03L", True, "award 120 days after the bid deadline"))),
    FlagPlant("tied_bids", "P", "P", "服务", "tie", 15, 5, (
        ("R028", True, "two bidders bid the same price"),
        ("R003", False, "bidding period of exactly 15 days"),
        ("CN01", True, "公开招标 with a bidding period of 15 days, under the legal 20"))),
    FlagPlant("sole_valid_bid", "P", "", "服务", "all_but_winner_disqualified", 25, 5, (
        ("R035", True, "both other bids disqualified"),
        ("OT02", True, "邀请招标: invited, not open")), "邀请招标"),
    FlagPlant("lowest_bid_disqualified", "P", "", "货物", "lowest_disqualified", 25, 5, (
        ("R036", True, "the lowest bid, 5% under the winner's, disqualified"),)),
    FlagPlant("near_close_second_bid", "Q", "Q", "工程", "gap:0.035", 25, 3, (
        ("R024", False, "second-lowest bid 3.5% above the winning bid"),
        ("OT03S", False, "award exactly 3 days after the bid deadline"))),
    FlagPlant("near_distant_second_bid", "Q", "Q", "工程", "gap:0.065", 25, 90, (
        ("R058", False, "second-lowest bid 6.5% above the winning bid"),
        ("OT03L", False, "award exactly 90 days after the bid deadline"))),
    FlagPlant("almost_tied_bids", "Q", "Q", "工程", "near_tie", 20, 5, (
        ("R028", False, "two bids 0.01 元 apart"),
        ("CN01", False, "公开招标 with a bidding period of exactly 20 days"))),
    FlagPlant("one_of_two_others_disqualified", "Q", "", "服务", "one_disqualified", 25, 5, (
        ("R035", False, "one of the two other bids disqualified, one valid"),)),
    FlagPlant("disqualified_just_above_lowest", "Q", "", "货物", "disqualified_above", 25, 5, (
        ("R036", False, "a disqualified bid 0.01 元 above the lowest valid bid"),)),
    FlagPlant("two_bids", "", "", "货物", "two_bids", 25, 5, (
        ("R018", False, "公开招标 with two bids"),
        ("OT01", False, "two bidders"),
        ("OT02", False, "公开招标"))),
)

# Organisations that exist only in the plants, so their counts are exactly the planted ones:
# key -> (name, the USCC's first two characters). All are in 宜昌市 (420500).
PLANTED_ORGANISATIONS: dict[str, tuple[str, str]] = {
    "buyer_P": ("宜昌市机关事务服务中心", "12"),
    "buyer_Q": ("宜昌市应急管理局", "11"),
    "P": ("湖北楚信综合服务有限公司", "91"),
    "Q": ("宜昌江汉建设发展有限公司", "91"),
    "X1": ("宜昌鸿远建材贸易有限公司", "91"),  # disqualified twice: R038
    "X2": ("宜昌汇通设备贸易有限公司", "91"),
    "Y": ("宜昌恒达机电贸易有限公司", "91"),  # disqualified once: under R038's min_bids
    "Z": ("宜昌新源办公用品贸易有限公司", "91"),
}
# The winning price of each plant, by group and winner: P's three awards outweigh the buyer's
# other two (3 × 1,000,000 of 3,600,000: 83%); Q's make 1,920,000 of 3,920,000 (49%).
_PLANT_PRICES = {("P", "P"): Decimal("1000000.00"), ("P", ""): Decimal("300000.00"),
                 ("Q", "Q"): Decimal("640000.00"), ("Q", ""): Decimal("1000000.00"),
                 ("", ""): Decimal("500000.00")}


def second_bid_gap(index: int) -> Decimal:
    """(second-lowest − lowest) / lowest bid of OCDS release `index`: spread evenly over
    4%–6% (golden-ratio steps), so the outlier flags' fences stay near 3% and 7% at every
    size: the plants at 0.05% and 30% fall outside them, the near-misses at 3.5% and 6.5% inside."""
    return Decimal(str(round(0.04 + 0.02 * ((index * 0.6180339887498949) % 1), 4)))


# ---- the defect plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class DefectPlan:
    """Where each planted defect sits, as record indexes of each kind (0 = newest)."""

    epoint: dict[int, str]  # tender index -> defect code
    correction_of: int | None  # tender whose 更正公告 is served near the top
    duplicate_of: int | None
    ccgp: dict[int, str]
    ocds: dict[int, str]
    power: dict[int, str]
    approvals: dict[int, str]
    # Red-flag plants (see FLAG_PLANTS): OCDS release index, power item index, case index.
    flag_tenders: dict[int, str] = field(default_factory=dict)
    flag_items: dict[int, str] = field(default_factory=dict)
    flag_cases: dict[int, str] = field(default_factory=dict)


def _place(taken: set[int], start: int, limit: int, step: int = 1,
           avoid: frozenset[int] = frozenset(), modulus: int = 1) -> int | None:
    """The first free index from `start` in steps of `step`, below `limit`; None if none is."""
    index = start
    while index < limit:
        if index not in taken and (modulus == 1 or index % modulus not in avoid):
            taken.add(index)
            return index
        index += step
    return None


@functools.cache
def defect_plan(size: int) -> DefectPlan:
    epoint: dict[int, str] = {}
    taken: set[int] = {0, 1, 2}  # the top of the list stays plain: the correction goes there

    def put(table: dict[int, str], code: str, start: int, limit: int, step: int = 1) -> None:
        found = _place(taken, start, limit, step)
        if found is not None:
            table[found] = code

    # Red flags sit on even tenders: those are the ones with a candidate notice.
    put(epoint, "single_bid", 2 * (size // 16 + 2), size, 2)
    put(epoint, "short_bidding_period", 2 * (size // 9 + 3), size, 2)
    put(epoint, "identical_prices", 2 * (size // 7 + 4), size, 2)
    put(epoint, "missing_amount", size // 10 + 3, size)
    put(epoint, "bad_date", size // 5 + 5, size)
    for start in (size // 3 + 1, size // 2 + 5, 3 * size // 4 + 3):
        put(epoint, "personal_id", start, size)
    # The duplicate's second copy is served 27 places further down: on another page at the
    # default page size of 20.
    duplicate_of = _place(taken, size // 4 + 7, max(size - 27, 0))
    correction_of = _place(taken, 2 * size // 3 + 1, size)

    ccgp_count = scaled(size, CCGP_RATIO)
    ccgp: dict[int, str] = {}
    taken = set()
    put(ccgp, "mislabelled_charset", ccgp_count // 2, ccgp_count)
    put(ccgp, "mislabelled_charset", ccgp_count // 2 + 1, ccgp_count)

    ocds_count = scaled(size, OCDS_RATIO)
    ocds: dict[int, str] = {}
    taken = set()
    for code, start in (("single_bid", ocds_count // 3 + 1),
                        ("short_bidding_period", ocds_count // 4 + 2),
                        ("invalid_uscc", ocds_count // 5 + 3)):
        # Tender-only releases (index % 6 == 5) have no bids yet: defects go to awarded ones.
        found = _place(taken, start, ocds_count, 1, frozenset({5}), 6)
        if found is not None:
            ocds[found] = code
    flag_tenders: dict[int, str] = {}
    for plant in FLAG_PLANTS:
        found = _place(taken, ocds_count // 2, ocds_count, 1, frozenset({5}), 6)
        if found is not None:
            flag_tenders[found] = plant.name

    list_count = scaled(size, LIST_RATIO)
    power: dict[int, str] = {}
    taken = set()
    # Not a 行政许可 item (index % 4 != 0), so no approval case refers to it.
    found = _place(taken, list_count // 3 + 1, list_count, 1, frozenset({0}), 4)
    if found is not None:
        power[found] = "promise_exceeds_statute"
    flag_items: dict[int, str] = {}
    found = _place(taken, list_count // 3 + 2, list_count, 1, frozenset({0}), 4)
    if found is not None:
        flag_items[found] = "promise_equals_statute"

    case_count = scaled(size, APPROVAL_RATIO)
    approvals: dict[int, str] = {}
    taken = set()
    put(approvals, "unknown_item", case_count // 3 + 1, case_count)
    put(approvals, "limit_mismatch", case_count // 4 + 2, case_count)
    for start in (case_count // 5 + 3, case_count // 2 + 4, 3 * case_count // 4 + 5):
        put(approvals, "overdue", start, case_count)
    put(approvals, "invalid_uscc", case_count // 6 + 7, case_count)
    flag_cases: dict[int, str] = {}
    for code in ("on_promised_deadline", "past_statutory_deadline", "on_statutory_deadline"):
        put(flag_cases, code, 2 * case_count // 5, case_count)
    return DefectPlan(epoint, correction_of, duplicate_of, ccgp, ocds, power, approvals,
                      flag_tenders, flag_items, flag_cases)


# ---- the generator ----------------------------------------------------------------------------


class PortalData:
    """Every record of a portal of `size` award notices, built on demand from `seed`.

    `calls` counts the records built, by kind, so tests can check that serving one page
    builds only that page's records.
    """

    def __init__(self, size: int = 120, seed: int = 7) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.size = size
        self.seed = seed
        self.plan = defect_plan(size)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.supplier_pool = max(12, size // 6)
        self.applicant_pool = max(12, size // 4)

    def _rng(self, *key: object) -> random.Random:
        return random.Random(":".join(str(k) for k in (self.seed, *key)))

    def _count(self, kind: str) -> None:
        with self._lock:
            self.calls[kind] += 1

    # -- sizes --

    @property
    def ccgp_count(self) -> int:
        return scaled(self.size, CCGP_RATIO)

    @property
    def ocds_count(self) -> int:
        return scaled(self.size, OCDS_RATIO)

    @property
    def list_count(self) -> int:
        return scaled(self.size, LIST_RATIO)

    @property
    def approval_count(self) -> int:
        return scaled(self.size, APPROVAL_RATIO)

    @property
    def candidate_count(self) -> int:
        return (self.size + 1) // 2  # tenders 0, 2, 4 ... have a candidate notice

    # -- organisations --

    def buyer(self, region: Region, pattern: int) -> Organisation:
        template, kind_code = names.BUYER_PATTERNS[pattern]
        name = template.format(place=region.place)
        return Organisation(name, make_uscc(self._rng("uscc", name), kind_code, region.code))

    def supplier(self, category: str, index: int) -> Organisation:
        endings = names.SUPPLIER_ENDINGS[category]
        name = _composed_name(index, _company_parts(endings), salt=len(category) * 101)
        region = self._rng("supplier-region", name).choice(names.REGIONS)
        return Organisation(name, make_uscc(self._rng("uscc", name), "91", region.code))

    def agency(self, index: int) -> Organisation:
        name = _composed_name(index, _company_parts(names.AGENCY_ENDINGS), salt=17)
        region = self._rng("agency-region", name).choice(names.REGIONS)
        return Organisation(name, make_uscc(self._rng("uscc", name), "91", region.code))

    def applicant(self, index: int) -> Organisation:
        name = _composed_name(index, _company_parts(APPLICANT_ENDINGS), salt=29)
        region = self._rng("applicant-region", name).choice(names.REGIONS)
        return Organisation(name, make_uscc(self._rng("uscc", name), "91", region.code))

    def _pick_suppliers(self, rng: random.Random, category: str, count: int) -> list[int]:
        # Squaring skews the choice towards the pool's first suppliers: some win often.
        pool = min(self.supplier_pool, _company_space(names.SUPPLIER_ENDINGS[category]))
        chosen: list[int] = []
        while len(chosen) < min(count, pool):
            index = int(pool * rng.random() ** 2)
            while index in chosen:
                index = (index + 1) % pool
            chosen.append(index)
        return chosen

    # -- tenders --

    def tender(self, kind: str, index: int) -> Tender:
        """Tender `index` (0 = newest) of `kind`: epoint, ccgp or ocds."""
        self._count(f"tender:{kind}")
        rng = self._rng("tender", kind, index)
        count = {"epoint": self.size, "ccgp": self.ccgp_count, "ocds": self.ocds_count}[kind]
        defects = self._tender_defects(kind, index)
        if kind == "epoint":
            # The Epoint portal is 宜昌's: its tenders are local construction projects.
            region = rng.choice([r for r in names.REGIONS if r.code.startswith("4205")])
            category = rng.choices(("工程", "服务", "货物"), (6, 3, 1))[0]
            method = "邀请招标" if rng.random() < 0.1 else "公开招标"
        else:
            region = rng.choice(names.REGIONS)
            category = rng.choice(("货物", "工程", "服务"))
            method = rng.choices([m for m, _ in names.METHODS], (10, 2, 2, 3, 2, 1))[0]
        if defects & {"single_bid", "short_bidding_period"}:
            method = "公开招标"
        buyer = self.buyer(region, rng.randrange(len(names.BUYER_PATTERNS)))
        agency = self.agency(rng.randrange(30))
        project = rng.choice(names.PROJECT_TEMPLATES[category]).format(place=region.place)
        if rng.random() < 0.12:
            project += "(第2次招标)"

        award_date = timeline(index, count)
        candidate_day = add_workdays(award_date.date(), -4)
        # Same time of day as the award: candidate notices stay in newest-first order too.
        candidate_date = datetime.combine(candidate_day, award_date.time())
        deadline_day = add_workdays(candidate_day, -1)
        bid_deadline = datetime.combine(deadline_day, time(9, 30 * rng.randrange(2)))
        if "short_bidding_period" in defects:
            # 12 days, moved forward to a working day: always under the legal 20.
            notice_day = add_workdays(deadline_day - timedelta(days=12), 0)
        else:
            # The law's minimum is 20 days (10 for 磋商); one more keeps every period at or
            # above it however it is measured, by dates or by elapsed hours.
            minimum = {"公开招标": 21, "邀请招标": 21, "竞争性磋商": 11}.get(method, 3)
            notice_day = deadline_day - timedelta(days=minimum + rng.randrange(15))
            if not chinese_calendar.is_workday(notice_day):
                notice_day = add_workdays(notice_day, -1)  # earlier: the period only grows
            if method not in ("公开招标", "邀请招标", "竞争性磋商"):
                # 谈判 and 询价 count 3 working days: a holiday must not shorten them below.
                notice_day = min(notice_day, add_workdays(deadline_day, -4))
        notice_date = datetime.combine(notice_day, time(9 + rng.randrange(8), rng.randrange(60)))

        low, high = {"工程": (500_000, 50_000_000), "货物": (100_000, 5_000_000),
                     "服务": (100_000, 3_000_000)}[category]
        budget = Decimal(int(math.exp(rng.uniform(math.log(low), math.log(high))))).quantize(CENT)
        if "single_bid" in defects or method == "单一来源":
            bid_count = 1
        elif method == "公开招标":
            bid_count = rng.randint(3, 9)
        else:
            bid_count = rng.randint(2, 5)
        use_rate = kind == "epoint" and category == "服务" and rng.random() < 0.15
        bids = self._bids(rng, category, bid_count, budget, use_rate, defects)

        price_styles = ("plain", "comma", "wan", "daxie", "promise")
        amount_style = "rate" if use_rate else rng.choices(price_styles, (70, 8, 14, 4, 4))[0]
        if amount_style == "wan" and bids[0].price is not None:
            # Whole 元, so the 万元 figure has the four decimals real notices print.
            whole = bids[0].price.quantize(Decimal(1), ROUND_HALF_UP)
            bids = (replace(bids[0], price=whole), *bids[1:])
        date_styles = ("iso", "cn", "slash", "hanzi", "datetime")
        date_style = rng.choices(date_styles, (50, 20, 15, 10, 5))[0]
        staff = self._staff(rng, category, region)
        manager = None
        if "personal_id" in defects:
            manager = Person(person_name(rng), make_id_card(rng, region.code), make_mobile(rng))
        # Epoint candidate notices share their tender with the result notice (one 标段编号), so
        # their bids count in R024's population too: spaced alike, the fences hold.
        priced = all(b.price is not None and b.rate is None for b in bids)
        priced = priced and "identical_prices" not in defects  # planted: must stay identical
        if len(bids) > 1 and (kind == "ocds" or (kind == "epoint" and priced)):
            bids = self._spaced(index, bids)
        prefix = rng.choice(names.SECTION_PREFIXES)
        project_code = {
            "epoint": f"{prefix}{index + 1:06d}-{notice_day:%Y%m}",
            "ccgp": f"{_province_letters(region)}ZC{notice_day:%Y}-{index + 1:06d}",
            "ocds": f"{_province_letters(region)}CG{notice_day:%Y}{index + 1:07d}",
        }[kind]
        tender = Tender(
            kind=kind, index=index, region=region, buyer=buyer, agency=agency, project=project,
            project_code=project_code, section_code=f"{project_code}-0{1 + rng.randrange(3)}",
            category=category, method=method, budget=budget, notice_date=notice_date,
            bid_deadline=bid_deadline, candidate_date=candidate_date, award_date=award_date,
            bids=bids, duration_days=rng.choice((30, 60, 90, 120, 180, 365, 730)),
            staff=staff, amount_style=amount_style, date_style=date_style, manager=manager,
            defects=defects,
        )
        plant = self.plan.flag_tenders.get(index) if kind == "ocds" else None
        return self._planted_tender(rng, tender, plant) if plant else tender

    @staticmethod
    def _spaced(index: int, bids: tuple[Bid, ...]) -> tuple[Bid, ...]:
        """The bids with the second-lowest `second_bid_gap(index)` above the lowest."""
        lowest = bids[0].price or Decimal(0)
        second = (lowest * (1 + second_bid_gap(index))).quantize(CENT, ROUND_HALF_UP)
        rest = [replace(b, price=max(b.price or Decimal(0), second + CENT * (k + 1)))
                for k, b in enumerate(bids[2:])]
        return (bids[0], replace(bids[1], price=second), *rest)

    def planted_organisation(self, key: str) -> Organisation:
        name, kind_code = PLANTED_ORGANISATIONS[key]
        return Organisation(name, make_uscc(self._rng("uscc", name), kind_code, "420500"))

    def _planted_tender(self, rng: random.Random, tender: Tender, name: str) -> Tender:
        plant = next(p for p in FLAG_PLANTS if p.name == name)
        price = _PLANT_PRICES[(plant.group, plant.winner)]
        buyer = self.planted_organisation(f"buyer_{plant.group}") if plant.group else tender.buyer
        deadline = datetime.combine(tender.award_date.date() - timedelta(days=plant.decision_days),
                                    time(9, 30))
        notice = datetime.combine(deadline.date() - timedelta(days=plant.bidding_days),
                                  time(10, 0))
        return replace(
            tender, buyer=buyer, category=plant.category, method=plant.method,
            budget=(price * Decimal("1.25")).quantize(CENT),
            bids=self._planted_bids(rng, plant, price, tender.index),
            notice_date=notice, bid_deadline=deadline, candidate_date=tender.award_date)

    def _planted_bids(self, rng: random.Random, plant: FlagPlant, price: Decimal,
                      index: int) -> tuple[Bid, ...]:
        pool = [self.supplier(plant.category, j)
                for j in self._pick_suppliers(rng, plant.category, 5)]
        winner = self.planted_organisation(plant.winner) if plant.winner else pool[0]
        others = pool[1:]

        def bid(company: Organisation, amount: Decimal, disqualified: bool = False) -> Bid:
            return Bid(company.name, (company,), amount.quantize(CENT, ROUND_HALF_UP), None,
                       person_name(rng), disqualified)

        second = price * (1 + second_bid_gap(index))
        first = bid(winner, price)
        x1, x2 = self.planted_organisation("X1"), self.planted_organisation("X2")
        if plant.bids.startswith("gap:"):
            gap = Decimal(plant.bids.removeprefix("gap:"))
            return (first, bid(others[0], price * (1 + gap)), bid(others[1], price * 2))
        patterns: dict[str, tuple[Bid, ...]] = {
            "tie": (first, bid(others[0], second), bid(others[1], price * Decimal("1.1")),
                    bid(others[2], price * Decimal("1.1"))),
            "near_tie": (first, bid(others[0], second), bid(others[1], price * Decimal("1.1")),
                         bid(others[2], price * Decimal("1.1") + CENT)),
            "all_but_winner_disqualified": (first, bid(x1, price * Decimal("1.05"), True),
                                            bid(x2, price * Decimal("1.08"), True)),
            "lowest_disqualified": (first, bid(x1, price * Decimal("0.95"), True),
                                    bid(others[0], second)),
            "one_disqualified": (first, bid(others[0], second),
                                 bid(self.planted_organisation("Y"), price * Decimal("1.1"), True)),
            "disqualified_above": (first, bid(self.planted_organisation("Z"), price + CENT, True),
                                   bid(others[0], second)),
            "two_bids": (first, bid(others[0], second)),
        }
        return patterns[plant.bids]

    def _tender_defects(self, kind: str, index: int) -> frozenset[str]:
        table = {"epoint": self.plan.epoint, "ocds": self.plan.ocds, "ccgp": self.plan.ccgp}[kind]
        code = table.get(index)
        return frozenset({code}) if code else frozenset()

    def _bids(self, rng: random.Random, category: str, count: int, budget: Decimal,
              use_rate: bool, defects: frozenset[str]) -> tuple[Bid, ...]:
        suppliers = [self.supplier(category, j) for j in self._pick_suppliers(rng, category, count)]
        bids = []
        for company in suppliers:
            members: tuple[Organisation, ...] = (company,)
            bidder = company.name
            # Consortia (联合体) bid on some works: both members printed in one cell.
            if category == "工程" and rng.random() < 0.1:
                partner = self.supplier("服务", self._pick_suppliers(rng, "服务", 1)[0])
                members = (company, partner)
                bidder = f"{company.name}、{partner.name}联合体"
            price = (budget * Decimal(str(rng.uniform(0.82, 0.995)))).quantize(CENT, ROUND_HALF_UP)
            rate = Decimal(str(round(rng.uniform(3, 30), 2))).quantize(CENT) if use_rate else None
            bids.append(Bid(bidder, members, price, rate, person_name(rng)))
        if "identical_prices" in defects:
            bids = [replace(b, price=bids[0].price, rate=bids[0].rate) for b in bids]
        # Ranked by price (lowest first), or by discount (highest first) for rate bids.
        bids.sort(key=lambda b: -(b.rate or 0) if use_rate else (b.price or 0))
        return tuple(bids)

    def _staff(self, rng: random.Random, category: str,
               region: Region) -> tuple[tuple[str, str], ...]:
        # Partly masked ID numbers, as the real portal prints them: not personal data.
        masked = f"{region.code}{rng.randrange(1965, 1995)}{rng.randrange(1, 13):02d}******"
        if category != "工程":
            return (("项目负责人", f"{person_name(rng)},其他,{masked}"),)
        staff = []
        for role in names.STAFF_ROLES[: rng.randint(2, len(names.STAFF_ROLES))]:
            if role == "项目负责人":
                certificate = (f"注册二级建造师·市政公用工程,鄂2421{rng.randrange(10**8):08d}")
            elif role == "技术负责人" and rng.random() < 0.5:
                certificate = f"其他,{masked}"
            else:
                letter = "C" if role != "技术负责人" else "B"
                certificate = (f"安全生产考核合格证({letter}证),鄂建安{letter}"
                               f"({rng.randrange(2015, 2025)}){rng.randrange(10**7):07d}")
            staff.append((role, f"{person_name(rng)},{certificate}"))
        return tuple(staff)

    def ccgp_packages(self, tender: Tender) -> list[tuple[str, list[tuple[str, Decimal]]]]:
        """The lots (包) of a CCGP notice: each with one or two winning suppliers and amounts.

        Amounts are whole hundreds of 元, so the 万元 figures the page prints are exact.
        """
        rng = self._rng("packages", tender.index)
        bids = list(tender.bids)
        count = min(len(bids), rng.randint(1, 3))
        packages: list[tuple[str, list[tuple[str, Decimal]]]] = []
        position = 0
        for number in range(1, count + 1):
            spare = len(bids) - position - (count - number + 1)
            takes = 2 if spare > 0 and rng.random() < 0.35 else 1
            winners = []
            for bid in bids[position:position + takes]:
                share = (bid.price or Decimal(0)) / count / takes / 100
                winners.append((bid.bidder, share.quantize(Decimal(1), ROUND_HALF_UP) * 100))
            packages.append((f"包{number}", winners))
            position += takes
        return packages

    # -- the Epoint award list: tenders, plus a duplicate and a correction --

    def epoint_inserts(self) -> dict[int, tuple[str, int]]:
        """Extra entries of the award list: list position -> (variant, tender index)."""
        inserts: dict[int, tuple[str, int]] = {}
        if self.plan.correction_of is not None:
            inserts[CORRECTION_POSITION] = ("correction", self.plan.correction_of)
        if self.plan.duplicate_of is not None:
            own = self.plan.duplicate_of + len(inserts)
            inserts[own + 27] = ("duplicate", self.plan.duplicate_of)
        return inserts

    @property
    def epoint_award_count(self) -> int:
        return self.size + len(self.epoint_inserts())

    def epoint_award_entry(self, position: int) -> tuple[str, int]:
        """(variant, tender index) of the award list's entry at `position` (0 = newest)."""
        inserts = self.epoint_inserts()
        if position in inserts:
            return inserts[position]
        return "notice", position - sum(1 for p in inserts if p < position)

    def epoint_position_of(self, tender_index: int) -> int:
        """List position of a tender's own award notice (the inverse of epoint_award_entry)."""
        position = tender_index
        for inserted in sorted(self.epoint_inserts()):
            if inserted <= position:
                position += 1
        return position

    def correction(self, tender: Tender) -> Tender:
        """The 更正公告 of `tender`: same codes, a changed amount, published near the top."""
        winner = tender.winner
        price = ((winner.price or Decimal(0)) * Decimal("0.97")).quantize(CENT, ROUND_HALF_UP)
        published = timeline(CORRECTION_POSITION, self.size)
        return replace(tender, bids=(replace(winner, price=price), *tender.bids[1:]),
                       award_date=published, amount_style="plain", date_style="iso",
                       defects=frozenset({"correction"}))

    # -- the three lists --

    def power_item(self, index: int) -> PowerItem:
        self._count("power_item")
        rng = self._rng("power", index)
        region = rng.choice(names.REGIONS)
        department, permits, others = rng.choice(names.DEPARTMENTS)
        licence = index % 4 == 0  # every fourth item is a 行政许可: approvals refer to these
        if licence:
            name, type_label = rng.choice(permits), "行政许可"
        else:
            name = rng.choice(others)
            type_label = _power_type(name)
        shown = type_label
        if type_label in names.POWER_TYPE_CODES and rng.random() < 0.2:
            shown = names.POWER_TYPE_CODES[type_label]
        type_number = names.POWER_TYPES.index(type_label) + 1
        statutory = rng.choice((20, 20, 30, 45, 60))
        promised = rng.choice((1, 3, 5, 7, 10, 15))
        statutory_text = rng.choices((f"{statutory}个工作日", f"{statutory}(工作日)",
                                      f"{statutory}日", "无"), (4, 3, 2, 0 if licence else 2))[0]
        promised_text = rng.choice((f"{promised}个工作日", f"{promised}(工作日)"))
        promised_days: int | None = promised
        if not licence and rng.random() < 0.2:
            promised_text, promised_days = "无", None
        if self.plan.power.get(index) == "promise_exceeds_statute":
            statutory_text, promised_text, promised_days = "20个工作日", "30个工作日", 30
        if self.plan.flag_items.get(index) == "promise_equals_statute":
            statutory_text, promised_text, promised_days = "20个工作日", "20个工作日", 20
        basis = "\n".join(rng.sample(names.LEGAL_BASES, rng.randint(1, 2)))
        if rng.random() < 0.15:
            # As the 辽宁 catalogue exports it: wrapped in stray quotes, with CRLF line ends.
            basis = '"' + basis.replace("\n", "\r\n") + '\r\n"'
        return PowerItem(
            index=index, code=f"{region.code}{type_number:02d}{index:07d}", name=name,
            sub_name=rng.choice(("", "", f"{name}（新办）", f"{name}（变更）", f"{name}（延续）"))
            if licence else "",
            type_label=type_label, type_shown=shown, department=region.place + department,
            legal_basis=basis, statutory_limit=statutory_text, promised_limit=promised_text,
            promised_days=promised_days,
            fee="无" if rng.random() < 0.75 else rng.choice(names.FEE_TEXTS),
            levels=rng.choice(names.LEVELS),
        )

    def responsibility_item(self, index: int) -> dict[str, str]:
        """The responsibility-list entry of power item `index`."""
        self._count("responsibility_item")
        power = self.power_item(index)
        return {
            "事项编码": f"ZR{power.code}",
            "事项名称": power.name,
            "事项类型": power.type_label,
            "实施主体": power.department,
            "责任事项": names.RESPONSIBILITY_STEPS,
            "追责情形": names.ACCOUNTABILITY,
            "对应权力事项编码": power.code,
            "设定依据": power.legal_basis,
        }

    def negative_item(self, index: int) -> dict[str, str]:
        self._count("negative_item")
        rng = self._rng("negative", index)
        industry, item, measure = rng.choice(names.NEGATIVE_ITEMS)
        department = rng.choice(names.DEPARTMENTS)[0]
        return {
            "事项编码": f"FM2025{index + 1:07d}",
            "行业": industry,
            "事项名称": item,
            "管理措施": measure,
            "措施描述": ("禁止准入，不得办理相关手续" if measure == "禁止"
                         else "依法取得许可后方可进入，由主管部门按照法定条件审批"),
            "主管部门": department,
            "设定依据": rng.choice(names.LEGAL_BASES),
        }

    # -- approval cases --

    def approval_case(self, index: int) -> ApprovalCase:
        self._count("approval_case")
        rng = self._rng("case", index)
        defect = self.plan.approvals.get(index)
        accepted = timeline(index, self.approval_count)
        licences = max(1, (self.list_count + 3) // 4)
        project = self._rng("project", index // 3)
        joint = project.random() < 0.4  # three consecutive cases: approvals of one project
        statutory = ""
        if defect == "unknown_item":
            region = rng.choice(names.REGIONS)
            item_code, item_name = f"{region.code}99{index:07d}", "临时占用城市道路许可"
            department, promised_days = f"{region.place}城市管理局", 5
        else:
            item = self.power_item(4 * rng.randrange(licences))
            item_code, item_name, department = item.code, item.name, item.department
            promised_days = item.promised_days or 5
            statutory = item.statutory_limit
        promised_shown = promised_days + (5 if defect == "limit_mismatch" else 0)
        if joint:
            company = self.applicant(project.randrange(self.applicant_pool))
            region = project.choice(names.REGIONS)
            industry = project.choice(("47", "48", "70", "78"))
            project_code = f"2025-{region.code}-{industry}-03-{index // 3:06d}"
            applicant, applicant_type, applicant_uscc = company.name, "法人", company.uscc
        elif rng.random() < 0.15 and defect != "invalid_uscc":
            applicant, applicant_type, applicant_uscc = person_name(rng), "自然人", ""
            project_code = ""  # a person's licence belongs to no investment project
        else:
            company = self.applicant(rng.randrange(self.applicant_pool))
            # The project is where the approving department is.
            project_code = f"2025-{item_code[:6]}-{rng.choice(('47', '48', '70'))}-01-{index:06d}"
            applicant, applicant_type, applicant_uscc = company.name, "法人", company.uscc
        if defect == "invalid_uscc" and applicant_uscc:
            applicant_uscc = corrupt_check_digit(applicant_uscc)

        deadline = add_workdays(accepted.date(), promised_days)
        finished: datetime | None
        if defect in ("overdue", "limit_mismatch", "unknown_item", "invalid_uscc"):
            status = "已办结"
        elif deadline > REFERENCE_DATE:
            status = rng.choice(("已受理", "办理中"))
        else:
            status = "不予受理" if rng.random() < 0.05 else "已办结"
        if status in ("已受理", "办理中"):
            finished = None
        else:
            days = promised_days + rng.randint(2, 6) if defect == "overdue" else rng.randint(
                0, promised_days)
            if status == "不予受理":
                days = min(days, 1)
            day = add_workdays(accepted.date(), days)
            finished = datetime.combine(day, time(9 + rng.randrange(8), rng.randrange(60)))
            if finished <= accepted:
                finished = accepted + timedelta(minutes=20 + rng.randrange(90))
        plant = self.plan.flag_cases.get(index)
        if plant is not None:
            status = "已办结"
            finished = datetime.combine(
                _planted_finish(plant, accepted.date(), promised_days, statutory), time(16, 0))
        return ApprovalCase(
            index=index, number=f"{accepted:%Y%m%d}{index:08d}", item_code=item_code,
            item_name=item_name, department=department, project_code=project_code,
            applicant=applicant, applicant_type=applicant_type, applicant_uscc=applicant_uscc,
            accepted_at=accepted, finished_at=finished, status=status,
            promised_limit=f"{promised_shown}个工作日", promised_days=promised_shown,
            defects=frozenset({defect}) if defect else frozenset(),
        )


def statutory_deadline(accepted: date, statutory: str) -> date:
    """The last day of a 法定办结时限 such as `20个工作日`, `20(工作日)` or `30日`, counted as
    AP02 counts it: working days, or calendar days moved to the next working day."""
    days = int("".join(c for c in statutory if c.isdigit()))
    if "工作日" in statutory:
        return add_workdays(accepted, days)
    end = accepted + timedelta(days=days)
    while not chinese_calendar.is_workday(end):
        end += timedelta(days=1)
    return end


def _planted_finish(plant: str, accepted: date, promised_days: int, statutory: str) -> date:
    if plant == "on_promised_deadline":
        return add_workdays(accepted, promised_days)
    deadline = statutory_deadline(accepted, statutory)
    return add_workdays(deadline, 3) if plant == "past_statutory_deadline" else deadline


def _province_letters(region: Region) -> str:
    return {"湖北省": "HB", "陕西省": "SX", "云南省": "YN", "上海市": "SH"}[region.province]


_TYPE_KEYWORDS = (
    ("处罚", "行政处罚"), ("查封", "行政强制"), ("扣押", "行政强制"), ("征收", "行政征收"),
    ("给付", "行政给付"), ("检查", "行政检查"), ("巡查", "行政检查"), ("督导", "行政检查"),
    ("奖励", "行政奖励"), ("表彰", "行政奖励"), ("裁决", "行政裁决"), ("确认", "行政确认"),
    ("查询", "公共服务"),
)


def _power_type(name: str) -> str:
    return next((label for word, label in _TYPE_KEYWORDS if word in name), "其他行政权力")


# ---- addresses and planted defects ------------------------------------------------------------

AWARD_CATEGORY = "003001005"  # 中标结果公告
CANDIDATE_CATEGORY = "003001004"  # 中标候选人公示
CORRECTION_NUMBER = 10**9  # infoid numbers from here on are corrections (of tender n - this)
CCGP_NUMBER = 5_000_001  # CCGP detail pages are numbered from here, like t20161123_7563046.htm


def award_infoid(data: PortalData, variant: str, tender_index: int) -> str:
    offset = CORRECTION_NUMBER if variant == "correction" else 0
    return make_infoid(data.seed, AWARD_CATEGORY, offset + tender_index)


def candidate_infoid(data: PortalData, candidate_index: int) -> str:
    return make_infoid(data.seed, CANDIDATE_CATEGORY, candidate_index)


def ccgp_detail_path(tender: Tender) -> str:
    day = tender.award_date
    return f"/ccgp/cggg/zbgg/{day:%Y%m}/t{day:%Y%m%d}_{CCGP_NUMBER + tender.index}.htm"


def ccgp_encoding(data: PortalData, index: int) -> tuple[str, str | None]:
    """(body encoding, charset named in the HTTP header) of CCGP detail page `index`.

    A third of the pages are GBK, as provincial sites still serve them; the planted
    mislabelled ones are GBK bodies whose header says UTF-8, or names no charset at all.
    """
    mislabelled = sorted(i for i, code in data.plan.ccgp.items() if code == "mislabelled_charset")
    if mislabelled and index == mislabelled[0]:
        return "gbk", "UTF-8"
    if index in mislabelled:
        return "gbk", None
    if index % 3 == 1:
        return "gbk", "GBK"
    return "utf-8", "UTF-8"


def ocid(index: int) -> str:
    return f"ocds-sunlit-{index:08d}"


def planted_defects(size: int = 120, seed: int = 7) -> list[PlantedDefect]:
    """Every defect planted in a portal of this size and seed, in a stable order."""
    data = PortalData(size, seed)
    plan = data.plan
    found: list[PlantedDefect] = []
    descriptions = {
        "single_bid": "公开招标 with a single bidder (red flag)",
        "short_bidding_period": "公开招标 whose bidding period is shorter than 20 days (red flag)",
        "identical_prices": "every candidate bid the same price (red flag)",
        "missing_amount": "中标价 cell present but empty",
        "bad_date": "publication date 2025年13月45日 / 2025-13-45 in every date field",
    }
    for index, code in sorted(plan.epoint.items()):
        tender = data.tender("epoint", index)
        if code == "personal_id" and tender.manager is not None:
            description = (f"项目负责人 {tender.manager.name} with ID-card number "
                           f"{tender.manager.id_card} and mobile {tender.manager.mobile}")
            found.append(PlantedDefect("epoint_awards", award_infoid(data, "notice", index),
                                       code, description))
            continue
        if code in ("single_bid", "short_bidding_period", "identical_prices"):
            detail = descriptions[code]
            if code == "short_bidding_period":
                detail += f": {tender.bidding_days} days"
            found.append(PlantedDefect("epoint_candidates", candidate_infoid(data, index // 2),
                                       code, detail))
            continue
        found.append(PlantedDefect("epoint_awards", award_infoid(data, "notice", index), code,
                                   descriptions[code]))
    if plan.duplicate_of is not None:
        positions = [p for p, entry in data.epoint_inserts().items() if entry[0] == "duplicate"]
        own = data.epoint_position_of(plan.duplicate_of)
        found.append(PlantedDefect(
            "epoint_awards", award_infoid(data, "notice", plan.duplicate_of), "duplicate",
            f"served twice, at list positions {own} and {positions[0]} (0 = newest)"))
    if plan.correction_of is not None:
        original = data.tender("epoint", plan.correction_of)
        found.append(PlantedDefect(
            "epoint_awards", award_infoid(data, "correction", plan.correction_of), "correction",
            f"更正公告 of {award_infoid(data, 'notice', plan.correction_of)} "
            f"(项目编号 {original.project_code}, 标段编号 {original.section_code}): "
            "amount changed, a new version, not a reject"))
    for index, code in sorted(plan.ccgp.items()):
        tender = data.tender("ccgp", index)
        _, header = ccgp_encoding(data, index)
        found.append(PlantedDefect(
            "ccgp", ccgp_detail_path(tender), code,
            f"GBK body (meta gb2312) served with Content-Type charset {header or 'absent'}: "
            "must decode, not a reject"))
    for index, code in sorted(plan.ocds.items()):
        tender = data.tender("ocds", index)
        detail = descriptions.get(code, "")
        if code == "invalid_uscc":
            detail = (f"supplier {tender.winner.members[0].name}'s identifier has a wrong "
                      f"check digit: {corrupt_check_digit(tender.winner.members[0].uscc)}")
        elif code == "short_bidding_period":
            detail += f": {tender.bidding_days} days"
        found.append(PlantedDefect("ocds", ocid(index), code, detail))
    for index, code in sorted(plan.power.items()):
        item = data.power_item(index)
        found.append(PlantedDefect("lists_power", item.code, code,
                                   f"承诺办结时限 {item.promised_limit} exceeds "
                                   f"法定办结时限 {item.statutory_limit}"))
    for index, code in sorted(plan.approvals.items()):
        case = data.approval_case(index)
        detail = {
            "unknown_item": f"事项编码 {case.item_code} matches no list item",
            "limit_mismatch": f"承诺时限 {case.promised_limit} differs from its item's",
            "overdue": f"finished {case.finished_at} past its {case.promised_limit} limit",
            "invalid_uscc": f"applicant {case.applicant}'s 统一社会信用代码 {case.applicant_uscc} "
                            "has a wrong check digit",
        }[code]
        found.append(PlantedDefect("approvals", case.number, code, detail))
    return found


def planted_flags(size: int = 120, seed: int = 7) -> list[PlantedFlag]:
    """Every red-flag plant of a portal of this size and seed: for each flag, the records it
    must raise (positive) and the near-misses it must not, in a stable order."""
    data = PortalData(size, seed)
    plan = data.plan
    found: list[PlantedFlag] = []
    for index, name in sorted(plan.flag_tenders.items()):
        plant = next(p for p in FLAG_PLANTS if p.name == name)
        for code, positive, what in plant.flags:
            found.append(PlantedFlag(code, ocid(index), positive, f"{name}: {what}"))
    if len(plan.flag_tenders) == len(FLAG_PLANTS):
        uscc_of = {key: data.planted_organisation(key).uscc for key in PLANTED_ORGANISATIONS}
        found += [
            PlantedFlag("OT04", uscc_of["P"], True,
                        "supplier P won 3,000,000 of its buyer's 3,600,000 (83%) in 5 awards"),
            PlantedFlag("OT04", uscc_of["Q"], False,
                        "supplier Q won 1,920,000 of its buyer's 3,920,000 (49%) in 5 awards"),
            PlantedFlag("R048", uscc_of["P"], True, "supplier P won goods, works and services"),
            PlantedFlag("R048", uscc_of["Q"], False, "supplier Q won three works tenders"),
            PlantedFlag("R038", uscc_of["X1"], True, "bidder X1's two bids both disqualified"),
            PlantedFlag("R038", uscc_of["Y"], False,
                        "bidder Y's one bid disqualified: under min_bids = 2"),
        ]
    for index, code in sorted(plan.ocds.items()):
        if code == "single_bid":
            found += [PlantedFlag(flag, ocid(index), True, "公开招标 with a single bid")
                      for flag in ("R018", "OT01")]
        elif code == "short_bidding_period":
            days = data.tender("ocds", index).bidding_days
            found += [PlantedFlag(flag, ocid(index), True, f"公开招标 open for {days} days")
                      for flag in ("R003", "CN01")]
    for index in sorted(plan.power):
        found.append(PlantedFlag("AP03", data.power_item(index).code, True,
                                 "承诺办结时限 30个工作日 over 法定办结时限 20个工作日"))
    for index in sorted(plan.flag_items):
        found.append(PlantedFlag("AP03", data.power_item(index).code, False,
                                 "承诺办结时限 equal to 法定办结时限: 20个工作日"))
    for index, code in sorted(plan.approvals.items()):
        if code == "overdue":
            found.append(PlantedFlag("AP01", data.approval_case(index).number, True,
                                     "finished 2–6 working days past its promised limit"))
    for index, code in sorted(plan.flag_cases.items()):
        number = data.approval_case(index).number
        found += {
            "on_promised_deadline": [PlantedFlag(
                "AP01", number, False, "finished on the last day of its promised limit")],
            "past_statutory_deadline": [
                PlantedFlag("AP02", number, True,
                            "finished 3 working days past the statutory limit"),
                PlantedFlag("AP01", number, True, "finished past its promised limit")],
            "on_statutory_deadline": [
                PlantedFlag("AP02", number, False,
                            "finished on the last day of the statutory limit"),
                PlantedFlag("AP01", number, True, "finished past its promised limit")],
        }[code]
    return found
