"""Malformed files: every parser, fed mutated real files, raises ParseError or yields frames the loader
accepts or refuses with ValidationError; never another exception. A changed number is never loaded wrong.

Counts: FUZZ_CASES examples per run across all formats (1,500 by default, 12,000 with --slow); the
hypothesis profiles are derandomized so CI sees the same cases every time.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flows.ingest import source_module
from flows.sources.base import ParseError
from tests.reliability.fuzz_formats import Format, formats
from warehouse.db import all_tables, ddl
from warehouse.load import ValidationError, load_frames, validate
from warehouse.schema import TABLES

FUZZ_CASES = {False: 1_500, True: 12_000}
# Of each run, this share goes to byte/structure mutations; the rest to one-number changes.
MUTATION_SHARE = 0.8

settings.register_profile(
    "tshock-fuzz",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

TOKENS = [
    "",
    ".",
    "n.a.",
    "null",
    "*",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "-0",
    "0",
    "-1",
    "1e-320",
    "１２",
    "\x00",
    "9999-12-31",
    "0001-01-01",
    "1677-09-21",
    "2262-04-12",
    "2024-02-30",
    "13/45/2024",
    "1/1/0",
    "2024-13",
    "0000-00",
    '"',
    "'",
    ",",
    "\t",
    "\r\n",
    "\n",
    "{",
    "}",
    "[",
    "]",
    ":",
    "true",
    "1" * 330,
    "-",
    "Grand Total",
    "Country",
    "Of which:",
    "Dec",
    "99996",
    "912797SA6",
    "'912797SA6'",
    "\ufeff",
    "é",
    "Total Marketable",
    "Marketable",
    "observation_date",
    "DATE",
    "Date",
    "1 Mo",
]
RAW = [b"\xff\xfe", b"\x80", b"\xc3", b"\xef\xbb\xbf", b"\r", b"\x1a"]


@pytest.fixture(scope="module")
def fmts(snapshot_dir) -> dict[str, Format]:
    return {f.name: f for f in formats(snapshot_dir)}


@pytest.fixture(scope="module")
def memory_warehouse():
    con = duckdb.connect(":memory:")
    for table in all_tables():
        con.execute(ddl(table))
    con.execute("CREATE SEQUENCE payload_seq START 1")
    yield con
    con.close()


FORMAT_NAMES = [
    "tic_slt_table5",
    "tic_slt_table3",
    "tic_mfhhis01",
    "tic_mfh_stale",
    "fred_csv",
    "fred_csv_legacy",
    "fred_zip_2017",
    "fred_resaved",
    "fred_api_json",
    "fred_api_xml",
    "yield_curve_yearly",
    "yield_curve_archive",
    "soma_csv",
    "auctions_csv",
    "auctions_api_json",
    "fiscaldata_mspd_csv",
    "fiscaldata_debt_to_penny",
    "fiscaldata_avg_interest_rates",
    "fiscaldata_mspd_table_1",
    "fiscaldata_mspd_table_3",
]


def per_format(slow: bool, share: float, n_formats: int) -> int:
    return max(1, round(FUZZ_CASES[slow] * share / n_formats))


# ---------------------------------------------------------------- mutations


def token_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(st.sampled_from(TOKENS).map(str.encode), st.sampled_from(RAW), st.binary(max_size=6))


byte_op = st.one_of(
    st.tuples(st.just("field"), st.integers(0, 1 << 16), token_bytes()),
    st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 64)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20), token_bytes()),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 20), st.just(b"")),
    st.tuples(
        st.sampled_from(["dup_line", "drop_line", "swap_lines"]), st.integers(0, 1 << 16), st.integers(0, 1 << 16)
    ),
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(0, 255)),
)

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(TOKENS),
)
json_value = st.recursive(
    json_leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3), max_leaves=5
)
json_op = st.tuples(st.sampled_from(["set", "delete"]), st.integers(0, 1 << 16), json_value)

FIELD = re.compile(rb'[^,\t\r\n"{}\[\]:]+')


def apply_byte_op(body: bytes, op) -> bytes:
    kind, a, b = op
    n = max(len(body), 1)
    if kind == "field":
        spans = [m.span() for m in FIELD.finditer(body)]
        if not spans:
            return body + b
        s, e = spans[a % len(spans)]
        return body[:s] + b + body[e:]
    if kind == "delete":
        s = a % n
        return body[:s] + body[s + b :]
    if kind == "insert":
        s = a % (n + 1)
        return body[:s] + b + body[s:]
    if kind == "truncate":
        return body[: a % n]
    if kind == "flip":
        s = a % n
        return body[:s] + bytes([b]) + body[s + 1 :]
    lines = body.splitlines(keepends=True) or [b""]
    i, j = a % len(lines), b % len(lines)
    if kind == "dup_line":
        lines.insert(i, lines[i])
    elif kind == "drop_line":
        del lines[i]
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def json_nodes(doc, path=()):
    yield path
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from json_nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:40]):  # the first records are enough to reach every field kind
            yield from json_nodes(v, (*path, i))


def apply_json_op(doc, op):
    kind, a, value = op
    paths = [p for p in json_nodes(doc) if p]
    if not paths:
        return value
    path = paths[a % len(paths)]
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    if kind == "set":
        parent[path[-1]] = value
    elif isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent.pop(path[-1])
    return doc


# ---------------------------------------------------------------- the pipeline under test


def ingest_bytes(con, fmt: Format, body: bytes, fetched_on: date | None, *, load: bool = True) -> str:
    """transform, then load (or only the loader's validation, which is pure pandas and 4x cheaper): only
    ParseError and ValidationError may come out; any other exception escapes and fails the test."""
    module = source_module(fmt.source)
    try:
        frames = module.transform(fmt.relpath, body, fetched_on)
    except ParseError:
        return "parse_error"
    if not load:
        try:
            for name, frame in frames.items():
                validate(TABLES[name], frame.reset_index(drop=True), fmt.relpath)
        except ValidationError:
            return "refused"
        return "validated"
    sha = hashlib.sha256(body).hexdigest()
    log = {
        "source": fmt.source,
        "relpath": fmt.relpath,
        "url": "fuzz",
        "fetched_at": pd.Timestamp("2026-01-01"),
        "sha256": sha,
        "bytes": len(body),
        "offline": fetched_on is None,
    }
    try:
        load_frames(con, frames, file=fmt.relpath, sha256=sha, log_row=log)
    except ValidationError:
        return "refused"
    return "loaded"


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_mutated_files_raise_only_parse_errors(name, fmts, memory_warehouse, slow):
    fmt = fmts[name]
    seen = {"parse_error": 0, "refused": 0, "loaded": 0, "validated": 0}
    is_json = fmt.relpath.endswith(".json")
    ops = st.lists(st.one_of(byte_op, json_op) if is_json else byte_op, min_size=1, max_size=4)

    @settings(settings.get_profile("tshock-fuzz"), max_examples=per_format(slow, MUTATION_SHARE, len(FORMAT_NAMES)))
    @given(ops=ops, live=st.booleans())
    def run(ops, live):
        body = fmt.body
        doc = json.loads(body) if is_json else None
        for op in ops:
            if op[0] in ("set", "delete"):
                if doc is not None:
                    doc = apply_json_op(doc, op)
                    body = json.dumps(doc).encode()
            else:
                body = apply_byte_op(body, op)
                doc = None
        # Default runs load every third parse into DuckDB and validate the rest; --slow loads them all.
        load = slow or (seen["loaded"] + seen["validated"]) % 3 == 0
        seen[ingest_bytes(memory_warehouse, fmt, body, date(2026, 1, 15) if live else None, load=load)] += 1

    run()
    assert sum(seen.values()) >= per_format(slow, MUTATION_SHARE, len(FORMAT_NAMES)), seen


# ---------------------------------------------------------------- one changed number


def value_diff(before: pd.DataFrame, after: pd.DataFrame, table: str) -> list[tuple[dict, str, object, object]]:
    key = list(TABLES[table].key)
    left, right = before.set_index(key).sort_index(), after.set_index(key).sort_index()
    assert left.index.equals(right.index), "a changed value moved or dropped a row"
    out = []
    for col in left.columns:
        a, b = left[col], right[col]
        same = (a == b) | (a.isna() & b.isna())
        for idx in a.index[~same.fillna(False).astype(bool)]:
            out.append((idx, col, a[idx], b[idx]))
    return out


@pytest.mark.parametrize("name", [n for n in FORMAT_NAMES if n != "tic_mfh_stale"])
def test_a_changed_number_is_parsed_as_that_number_or_refused(name, fmts, slow):
    fmt = fmts[name]
    module = source_module(fmt.source)
    base = module.transform(fmt.relpath, fmt.body, None)[fmt.table]
    # Negative numbers may be refused (a price must be positive): only positive ones must mostly load.
    outcomes = {"exact": 0, "parse_error": 0, "negative_refused": 0}

    @settings(
        settings.get_profile("tshock-fuzz"), max_examples=per_format(slow, 1 - MUTATION_SHARE, len(FORMAT_NAMES) - 1)
    )
    @given(
        cell=st.integers(0, len(fmt.cells) - 1),
        digits=st.integers(1, 10**9),
        places=st.integers(0, 4),
        negative=st.booleans(),
    )
    def run(cell, digits, places, negative):
        render, column, old = fmt.cells[cell]
        token = ("-" if negative else "") + (f"{digits / 10**places:.{places}f}" if places else str(digits))
        assume(float(token) != float(old.replace(",", "")))
        if fmt.expect == "parse_error":
            # the sum check allows a rounding tolerance of 0.01 (fiscaldata.SUM_TOLERANCE)
            assume(abs(float(token) - float(old)) > 0.011)
        try:
            after = module.transform(fmt.relpath, render(token), None)[fmt.table]
        except ParseError:
            outcomes["negative_refused" if negative else "parse_error"] += 1
            return
        diff = value_diff(base, after, fmt.table)
        assert len(diff) == 1, f"one changed cell changed {len(diff)} values: {diff[:3]}"
        _, col, _, new = diff[0]
        assert col == column and math.isclose(float(new), float(token), rel_tol=1e-12), (diff, token)
        outcomes["exact"] += 1

    run()
    if fmt.expect == "parse_error":
        assert outcomes["exact"] == 0, "a broken public + intragovernmental = total sum was loaded"
    else:
        assert outcomes["exact"] > outcomes["parse_error"], outcomes
