"""The TIC snapshot files the TIC tests read, and two ways into them: one value of a parsed frame, and the
text of a file with one edit."""

from __future__ import annotations

import pandas as pd

HIST, VINTAGE = "tic/mfhhis01.txt", "tic/mfhhis01_vintage_2026-03-18.txt"
SLT5, SLT3, MFH = "tic/slt_table5.txt", "tic/slt_table3.txt", "tic/mfh.txt"


def value(df, month, country, col="holdings_usd_bn"):
    hit = df[(df.month == pd.Timestamp(month)) & (df.country == country)]
    assert len(hit) == 1, (month, country, len(hit))
    return hit[col].iloc[0]


def body(raw, rel, old, new, count=1):
    text = raw[rel].decode()
    assert text.count(old) >= 1, old
    return text.replace(old, new, count).encode()
