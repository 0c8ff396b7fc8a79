"""Normalisers: turn what portals publish into typed values, or say precisely why not."""

from disclosures.normalise.dates import SHANGHAI, parse_datetime
from disclosures.normalise.errors import NormaliseError
from disclosures.normalise.limits import TimeLimit, parse_time_limit
from disclosures.normalise.money import Money, parse_amount, parse_rate, unit_from_label
from disclosures.normalise.names import normalise_org_name, split_consortium, split_role
from disclosures.normalise.text import clean_legal_basis, clean_text
from disclosures.normalise.uscc import check_uscc, find_uscc

__all__ = [
    "SHANGHAI",
    "Money",
    "NormaliseError",
    "TimeLimit",
    "check_uscc",
    "clean_legal_basis",
    "clean_text",
    "find_uscc",
    "normalise_org_name",
    "parse_amount",
    "parse_datetime",
    "parse_rate",
    "parse_time_limit",
    "split_consortium",
    "split_role",
    "unit_from_label",
]
