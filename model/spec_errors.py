"""One line per pydantic error, naming the field path and the value: `<field path>: <value> <what is wrong>`.

The messages a user sees when a spec (model/spec.py) is refused; values are echoed short, since
a hostile spec's value can be huge."""

from __future__ import annotations

from typing import Any

from model.spec_yaml import excerpt


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith(("function-", "union[")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "spec"


def _show(v: Any) -> str:
    """A value as an error message echoes it: at most 60 characters (a hostile spec's value can be huge)."""
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, dict):
        return "{…}"
    return excerpt(repr(v) if isinstance(v, str) else str(v), 60)


def validation_message(err: dict) -> str:
    where, value, kind, ctx = _path(err["loc"]), err.get("input"), err["type"], err.get("ctx") or {}
    bounds = {
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sym, key = bounds[kind]
        return f"{where}: {_show(value)} must be {sym} {_show(ctx.get(key))}"
    if kind == "extra_forbidden":
        return f"{where}: unknown field (value {_show(value)})"
    if kind == "missing":
        return f"{where}: required field is missing"
    if kind == "value_error":
        reason = str(ctx.get("error", err["msg"]))
        if not err["loc"]:  # a check across fields: its reason names them
            return reason
        if isinstance(value, dict):
            return f"{where}: {reason}"
        return f"{where}: {_show(value)} is not valid: {reason}"
    return f"{where}: {_show(value)} is not valid: {err['msg']}"
