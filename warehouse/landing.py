"""The raw landing zone: every fetched payload kept byte for byte, addressed by sha256.

Layout under the data directory:
  raw/<sha[:2]>/<sha>                  the bytes, written once (atomic rename)
  quarantine/<sha>.txt                 why a payload was refused (its bytes stay in raw/)
Payload metadata (source, relpath, URL, fetch time) lives in the ingest_log table.

A writer killed mid-write leaves a `.tmp-*` file beside its target, never a half payload: those are never
read (payloads are found by sha256 name) and are swept once per process, when old enough that no live
writer can still own them.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

# A temp file this old belongs to no live writer: atomic_write renames within a second.
ABANDONED_AFTER_S = 600
_swept: set[Path] = set()


def raw_path(data_dir: Path, sha256: str) -> Path:
    return data_dir / "raw" / sha256[:2] / sha256


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file in the same directory and rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store(data_dir: Path, sha256: str, body: bytes) -> Path:
    if data_dir not in _swept:
        _swept.add(data_dir)
        sweep_abandoned(data_dir)
    path = raw_path(data_dir, sha256)
    if not path.exists():
        atomic_write(path, body)
    return path


def sweep_abandoned(data_dir: Path, older_than_s: float = ABANDONED_AFTER_S) -> int:
    """Delete the temp files killed writers left in raw/ and quarantine/; returns how many."""
    cutoff, removed = time.time() - older_than_s, 0
    for folder in (data_dir / "raw", data_dir / "quarantine"):
        for tmp in folder.rglob(".tmp-*") if folder.is_dir() else ():
            try:
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
            except OSError:  # gone already, or not ours to delete: harmless either way
                pass
    return removed


def read(data_dir: Path, sha256: str) -> bytes:
    return raw_path(data_dir, sha256).read_bytes()


def quarantine(data_dir: Path, sha256: str, relpath: str, reason: str) -> Path:
    path = data_dir / "quarantine" / f"{sha256}.txt"
    atomic_write(path, f"{relpath}\n{reason}\n".encode())
    return path
