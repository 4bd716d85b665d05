"""Sources refreshed side by side, written one after another in refresh order (issue 18).

A source's fetching, landing, parsing and staging touch only its own temp tables, so two sources can do them at
once on two threads (DuckDB runs each cursor's statements in its caller's thread). Their writes take turns in
refresh order (the flow's list of sources, `flows.ingest.SOURCES` by default): the ingest log gets its lines, and
its payload ids, in the same order as a refresh of one source after another, and a source's write sees every
earlier source's rows.

A source waits for every source before it to have *finished*, written or failed: one that raised before its
turn cannot leave the others waiting. Sources must be started in refresh order (a FIFO thread pool does), so a
source that waits only ever waits for sources already running. A source that raises (a full disk) stops the
sources after it in refresh order from starting or writing, as when one source ran after another.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# The write order of the refresh running on a warehouse file, by resolved path; none outside a refresh flow (a
# single source's task run alone writes when ready).
_orders: dict[Path, WriteOrder] = {}
_lock = threading.Lock()


class RefreshStopped(Exception):
    """A source not started, or not written, because a source before it in refresh order crashed (a full disk)."""


class WriteOrder:
    def __init__(self, sources: list[str]):
        self.sources = list(sources)
        self._finished: set[str] = set()
        self._changed = threading.Condition()
        self._stopped: tuple[int, str] | None = None  # the crash that stops the sources after it: (its place, why)

    def _place(self, source: str) -> int:
        return self.sources.index(source) if source in self.sources else len(self.sources)

    def stopped(self, source: str) -> str | None:
        """Why `source` must not go on: a source before it in refresh order crashed."""
        return self._stopped[1] if self._stopped is not None and self._stopped[0] < self._place(source) else None

    def stop(self, source: str, why: str) -> None:
        place = self._place(source)
        with self._changed:
            if self._stopped is None or place < self._stopped[0]:
                self._stopped = (place, why)

    @contextmanager
    def turn(self, source: str) -> Iterator[None]:
        """Wait until every source before `source` has finished, then write."""
        earlier = set(self.sources[: self._place(source)])
        with self._changed:
            self._changed.wait_for(lambda: earlier <= self._finished)
        why = self.stopped(source)
        if why:  # an earlier source crashed while this one was preparing: it is not written
            raise RefreshStopped(f"{source}: not written, the refresh stopped: {why}")
        yield

    def finished(self, source: str) -> None:
        with self._changed:
            self._finished.add(source)
            self._changed.notify_all()


def _key(db: str | os.PathLike) -> Path:
    return Path(db).resolve()


@contextmanager
def ordered(db: str | os.PathLike, sources: list[str]) -> Iterator[WriteOrder]:
    """Sources refreshed on `db` inside the block write in the order of `sources`."""
    order = WriteOrder(sources)
    with _lock:
        _orders[_key(db)] = order
    try:
        yield order
    finally:
        with _lock:
            _orders.pop(_key(db), None)


@contextmanager
def source_writes(db: str | os.PathLike, source: str) -> Iterator[WriteOrder | None]:
    """Around one source's whole refresh: yields the refresh's write order (None outside one) and marks the
    source finished however it ends."""
    with _lock:
        order = _orders.get(_key(db))
    try:
        why = order.stopped(source) if order is not None else None
        if why:
            raise RefreshStopped(f"{source}: not refreshed, the refresh stopped: {why}")
        yield order
    except Exception as exc:
        if order is not None and not isinstance(exc, RefreshStopped):
            order.stop(source, f"{source}: {exc}")
        raise
    finally:
        if order is not None:
            order.finished(source)


@contextmanager
def write_turn(order: WriteOrder | None, source: str) -> Iterator[None]:
    if order is None:
        yield
        return
    with order.turn(source):
        yield
