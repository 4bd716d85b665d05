"""Where the value cells of a payload are, by kind of text: delimited lines (CSV and TIC tab files) and JSON or XML
records. Each cell comes with a renderer that rewrites exactly that cell, so a fuzz test can say what the parse
must become; the formats that use these are in fuzz_formats.py."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from xml.sax.saxutils import quoteattr

Render = Callable[[str], bytes]


def lines_of(body: bytes) -> list[bytes]:
    return body.splitlines(keepends=True)


def eol(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")) :]


def head(body: bytes, n: int) -> bytes:
    return b"".join(lines_of(body)[:n])


# ---------------------------------------------------------------- delimited text (CSV and TIC tab files)


def split_cells(line: bytes, delim: str) -> list[str]:
    text = line.rstrip(b"\r\n").decode("utf-8-sig")
    return next(csv.reader([text], delimiter=delim), [])


def _join(cells: list[str], delim: str, ending: bytes) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delim, lineterminator="").writerow(cells)
    return out.getvalue().encode() + ending


def delimited_cells(
    body: bytes,
    delim: str,
    rows: range | list[int],
    pick: Callable[[list[str], list[str]], list[int]],
    header_at: int = 0,
    column: Callable[[str], str] | None = None,
) -> list[tuple[Render, str, str]]:
    """Value cells of chosen rows: pick(header, row) gives the column indexes holding a number."""
    lines = lines_of(body)
    header = split_cells(lines[header_at], delim) if header_at is not None else []
    out = []
    for i in rows:
        row = split_cells(lines[i], delim)
        for j in pick(header, row):

            def render(token: str, i=i, j=j, row=row) -> bytes:
                cells = list(row)
                cells[j] = token
                # BOM only ever sits on line 0; data lines never carry one.
                return b"".join([*lines[:i], _join(cells, delim, eol(lines[i])), *lines[i + 1 :]])

            out.append((render, column(header[j]) if column else "value", row[j]))
    return out


def is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return text.strip() not in ("", "nan", "inf", "-inf")


# ---------------------------------------------------------------- JSON and XML records


def json_cells(
    doc: dict,
    records_key: str,
    fields: dict[str, str],
    dump: Callable[[dict], bytes],
    keep: Callable[[dict], bool] = lambda r: True,
) -> list[tuple[Render, str, str]]:
    out = []
    for i, rec in enumerate(doc[records_key]):
        if not keep(rec):
            continue
        for name, column in fields.items():
            if isinstance(rec.get(name), str) and is_number(rec[name]):

                def render(token: str, i=i, name=name) -> bytes:
                    copy = json.loads(json.dumps(doc))
                    copy[records_key][i][name] = token
                    return dump(copy)

                out.append((render, column, rec[name]))
    return out


def fred_xml(doc: dict) -> bytes:
    """fredapi's XML (all vintages) for the observations of a FRED API JSON document."""
    attrs = " ".join(
        f"{k}={quoteattr(str(doc[k]))}"
        for k in ("realtime_start", "realtime_end", "count", "offset", "limit")
        if k in doc
    )
    obs = "".join(
        f"<observation {' '.join(f'{k}={quoteattr(str(v))}' for k, v in o.items())}/>" for o in doc["observations"]
    )
    return f'<?xml version="1.0" encoding="utf-8" ?><observations {attrs}>{obs}</observations>'.encode()


def compact(doc: dict) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()
