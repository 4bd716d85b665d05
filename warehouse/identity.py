"""Identity hashes, computed one way: record ids (calibration, scenario run, sweep, sweep cell) and the data
hashes they are built from.

Two frame digests exist because two record kinds were first stored with them and their ids must not move:
the calibration's data hash is over a canonical CSV text (`text_digest`), a scenario run's over fixed binary
column forms (`binary_digest`). Both sort rows first, so row order never changes an id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas/numpy imported where used: the CLI's light commands read records without them
    import pandas as pd


def identity_hash(*parts: str) -> str:
    """sha256 hex of the parts joined by '|': the one rule behind every record id."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def text_digest(frames: Iterable[tuple[str, pd.DataFrame]]) -> str:
    """sha256 over each frame's rows (sorted by every column) as CSV with fixed float and date formats."""
    h = hashlib.sha256()
    for name, df in frames:
        df = df.sort_values(list(df.columns), na_position="last", kind="mergesort")
        h.update(f"## {name}\n".encode())
        h.update(
            df.to_csv(
                index=False, float_format="%.17g", date_format="%Y-%m-%d", na_rep="NA", lineterminator="\n"
            ).encode()
        )
    return h.hexdigest()


def _column_bytes(col: pd.Series) -> bytes:
    """A column in a canonical binary form: dates as days, numbers as float64 (one NaN), text joined."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(col):
        days = col.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")
        return b"D" + days.tobytes()
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        x = col.astype("float64").to_numpy(na_value=np.nan)
        return b"F" + np.where(np.isnan(x), np.nan, x).tobytes()
    return b"S" + "\x1f".join("\x00" if pd.isna(v) else str(v) for v in col).encode()


def binary_digest(frames: Iterable[tuple[str, pd.DataFrame | None]]) -> str:
    """sha256 over each frame: columns by name, rows sorted, values in fixed binary forms; None frames by name."""
    h = hashlib.sha256()
    for name, df in frames:
        h.update(f"## {name}\n".encode())
        if df is None:
            continue
        df = df[sorted(df.columns)]
        df = df.sort_values(list(df.columns), na_position="last", kind="mergesort", ignore_index=True)
        h.update(f"{len(df)}\n".encode())
        for col in df.columns:
            h.update(f"# {col}\n".encode())
            h.update(_column_bytes(df[col]))
    return h.hexdigest()
