"""Typed condition values: the one place that says what counts as a number, a date, an IP or a bool.

The evaluator and the "could it ever" solver both read values through these parsers, so they can
never disagree about what a string means. The typed grammars are deliberately disjoint (no string
parses as two of number, date, IP address and bool); the solver relies on that.
"""

from __future__ import annotations

import ipaddress
import re
from decimal import ROUND_FLOOR, Context, Decimal

from policycheck.patterns import fold

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DATE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:T(?P<h>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?P<f>\.[0-9]+)?)?"
    r"(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_OCTETS = {str(octet): octet for octet in range(256)}
"""Each octet of a dotted quad as written: ASCII digits, no sign, no leading zero."""

SECONDS_PER_DAY = 86400


def parse_number(text: str) -> Decimal | None:
    """A decimal number, compared exactly: '1.0' equals '1'; no NaN, infinity or spaces.

    >>> parse_number("-1.50"), parse_number("2e3"), parse_number("1_000"), parse_number("inf")
    (Decimal('-1.50'), Decimal('2E+3'), None, None)
    """
    if _NUMBER.fullmatch(text) is None:
        return None
    return Decimal(text)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    mp = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return year_of_era + era * 400 + (month <= 2), month, day


DATE_MIN = Decimal(_days_from_civil(1, 1, 1) * SECONDS_PER_DAY)
"""First instant a date can name: 0001-01-01T00:00:00Z (inclusive)."""
DATE_END = Decimal(_days_from_civil(10000, 1, 1) * SECONDS_PER_DAY)
"""First instant after the last a date can name: 10000-01-01T00:00:00Z (exclusive)."""

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def parse_date(text: str) -> Decimal | None:
    """An ISO 8601 date or date-time as seconds since the Unix epoch (exact, fractions kept).

    Accepted: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fraction]]` and either followed by `Z`,
    `+HH:MM`, `+HHMM` or `+HH`. Without a zone the time is UTC (RAM's examples always say `Z`).
    Dates compare as instants, so 08:00+08:00 equals 00:00Z. Instants outside the years
    0001-9999 UTC do not parse, nor do leap seconds or 24:00.

    >>> parse_date("1970-01-02"), parse_date("1970-01-01T08:00:00+08:00"), parse_date("2024-02-30")
    (Decimal('86400'), Decimal('0'), None)
    """
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day = int(match["y"]), int(match["mo"]), int(match["d"])
    if not (1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]):
        return None
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return None
    hour = int(match["h"] or 0)
    minute = int(match["mi"] or 0)
    second = int(match["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = 0
    zone = match["tz"]
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        zone_hours, zone_minutes = int(digits[:2]), int(digits[2:] or 0)
        if zone_hours > 23 or zone_minutes > 59:
            return None
        offset = (zone_hours * 60 + zone_minutes) * 60 * (-1 if zone[0] == "-" else 1)
    whole = _days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
    instant = Decimal(whole - offset)
    if match["f"]:
        instant = _exact_sum(instant, Decimal("0" + match["f"]))
    if not DATE_MIN <= instant < DATE_END:
        return None
    return instant


def _exact_sum(a: Decimal, b: Decimal) -> Decimal:
    """a + b with every digit kept: the default context rounds to 28 significant digits, which
    would make `...00.00000000000000000000000000001Z` equal to `...00Z`."""
    digits = max(len(a.as_tuple().digits), len(b.as_tuple().digits))
    spread = abs(a.as_tuple().exponent - b.as_tuple().exponent)  # type: ignore[operator]
    return Context(prec=digits + spread + 2).add(a, b)


def format_date(instant: Decimal) -> str:
    """Render an instant from parse_date's range as ISO 8601 in UTC, keeping any fraction.

    >>> format_date(Decimal("86400.25")), format_date(Decimal("-0.5"))
    ('1970-01-02T00:00:00.25Z', '1969-12-31T23:59:59.5Z')
    """
    whole = int(instant.to_integral_value(rounding=ROUND_FLOOR))  # `//` truncates towards zero
    fraction = _exact_sum(instant, Decimal(-whole))
    days, seconds = divmod(whole, SECONDS_PER_DAY)
    year, month, day = _civil_from_days(days)
    text = (
        f"{year:04d}-{month:02d}-{day:02d}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    )
    if fraction:
        text += format(fraction, "f")[1:].rstrip("0")
    return text + "Z"


IpRange = tuple[int, int, int]
"""(IP version, first address, last address) as integers."""


def parse_ip(text: str) -> tuple[int, int] | None:
    """One IPv4 or IPv6 address as (version, integer); no CIDR, no zone index.

    IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) stay IPv6: they do not match IPv4 ranges.

    >>> parse_ip("10.0.0.1"), parse_ip("::1"), parse_ip("10.0.0.0/8"), parse_ip("fe80::1%eth0")
    ((4, 167772161), (6, 1), None, None)
    """
    parts = text.split(".")
    if len(parts) == 4:  # the common case, without ipaddress's overhead; same answers
        a, b, c, d = map(_OCTETS.get, parts)
        if a is not None and b is not None and c is not None and d is not None:
            return 4, a << 24 | b << 16 | c << 8 | d
    if "%" in text or "/" in text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.version, int(address)


def parse_network(text: str) -> IpRange | None:
    """A policy's IpAddress value: a CIDR block or one address, IPv4 or IPv6, as a range.

    Host bits are ignored (10.1.2.3/8 is 10.0.0.0/8), as most IP tools do.

    >>> parse_network("10.0.0.0/8"), parse_network("10.0.0.1")
    ((4, 167772160, 184549375), (4, 167772161, 167772161))
    """
    if "%" in text:
        return None
    address, slash, length = text.partition("/")
    parts = address.split(".")
    if len(parts) == 4 and (not slash or (length.isascii() and length.isdigit() and int(length) <= 32)):
        # the common case (a lint meets hundreds), without ipaddress's 15 us; same answers
        a, b, c, d = map(_OCTETS.get, parts)
        if a is not None and b is not None and c is not None and d is not None:
            value = a << 24 | b << 16 | c << 8 | d
            host = (1 << (32 - int(length))) - 1 if slash else 0
            return 4, value & ~host, value | host
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return network.version, int(network.network_address), int(network.broadcast_address)


def format_ip(version: int, value: int) -> str:
    return str(ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value))


def parse_bool(text: str) -> bool | None:
    """`true` or `false` in any letter case.

    >>> parse_bool("True"), parse_bool("FALSE"), parse_bool("1")
    (True, False, None)
    """
    lowered = fold(text)
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None
