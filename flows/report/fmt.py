"""Number formatting shared by the templates (as Jinja filters) and the claims text: one rounding rule each,
a real minus sign, and intervals written as `median [p5, p95]`."""

from __future__ import annotations

import math
from typing import Any

MINUS = "\u2212"


def num(x: Any, digits: int = 0, sign: bool = False) -> str:
    """1234.5 → '1,235'; sign=True → '+1,235'; None/NaN → 'n/a'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    x = float(x)
    if round(x, digits) == 0:
        x, sign = 0.0, False  # neither "−0" nor "+0"
    text = f"{x:{'+' if sign else ''},.{digits}f}"
    return text.replace("-", MINUS)


def bp(x: Any, digits: int = 0) -> str:
    return f"{num(x, digits, sign=True)} bp"


def pct(x: Any, digits: int = 1, sign: bool = False) -> str:
    return f"{num(x, digits, sign)}%"


def bn(x: Any, digits: int = 0, sign: bool = False) -> str:
    """$ billions: '$1,210bn', signed '+$3,588bn' / '−$12bn'."""
    if x is None:
        return "n/a"
    text = num(abs(float(x)), digits)
    if sign:
        return ("+" if float(x) > 0 else MINUS if round(float(x), digits) < 0 else "") + f"${text}bn"
    return f"{MINUS if float(x) < 0 and round(float(x), digits) != 0 else ''}${text}bn"


def interval(q: dict | None, kind: str = "num", digits: int = 0, sign: bool = False) -> str:
    """'{p5, p50, p95}' → 'p50 [p5, p95]' in the unit of `kind` (num, bp, pct, bn)."""
    if not q:
        return "n/a"
    f = {
        "num": lambda v: num(v, digits, sign),
        "bp": lambda v: num(v, digits, sign=True),
        "pct": lambda v: num(v, digits, sign),
        "bn": lambda v: bn(v, digits, sign),
    }[kind]
    unit = {"bp": " bp", "pct": "%"}.get(kind, "")
    return f"{f(q['p50'])}{unit} [{f(q['p5'])}, {f(q['p95'])}]"


def year(x: Any, none: str = "none within the horizon") -> str:
    return none if x is None else str(int(x))


def share(x: Any, digits: int = 0) -> str:
    """A fraction as a percentage: 0.869 → '87%'."""
    return "n/a" if x is None else f"{num(100 * float(x), digits)}%"


FILTERS = {"num": num, "bp": bp, "pct": pct, "bn": bn, "interval": interval, "year": year, "share": share}
