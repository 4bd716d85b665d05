"""Code versions for records: a hash of the source that produced a result, so "same code" is checkable
without git (a clean checkout, an sdist and a dirty tree all get an honest answer)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE_SUFFIXES = (".py", ".toml", ".yaml", ".yml", ".csv", ".sql")


@cache
def code_version(*packages: str) -> str:
    """`<package version>+<sha256 prefix of the packages' source files>`, e.g. 0.1.0+3fa2c81d09be."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    for package in packages:
        root = REPO / package
        for path in sorted(p for p in root.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file()):
            h.update(str(path.relative_to(REPO)).encode())
            h.update(path.read_bytes())
    try:
        v = version("treasury-shock")
    except PackageNotFoundError:
        v = "0+unknown"
    return f"{v}+{h.hexdigest()[:12]}"
