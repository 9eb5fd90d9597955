"""Chinese patent numbers: the application number with its check digit (ZL + number = patent).

Since 2003 an application number has 12 digits (year, kind, 7-digit serial) and before that
8 (2-digit year, kind, 5-digit serial); then a dot and a check character: the digits
weighted 2, 3, …, 9, 2, 3, … summed modulo 11, with 10 written X.
"""
import re

PATENT_RE = re.compile(r"^(?:ZL|CN)?\s*(\d{12}|\d{8})\.?([0-9X])$")


def check_character(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum(int(d) * weights[i % 8] for i, d in enumerate(digits))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_patent(number: str) -> str:
    """ZL202310123456.6 style, or '' when the form is wrong."""
    match = PATENT_RE.match((number or "").strip().upper().replace(" ", ""))
    if not match:
        return ""
    return f"ZL{match.group(1)}.{match.group(2)}"


def is_valid_patent(number: str) -> bool:
    match = PATENT_RE.match((number or "").strip().upper().replace(" ", ""))
    return bool(match) and check_character(match.group(1)) == match.group(2)
