"""Progress for long work, shown by the CLI with rich; silent when nobody listens (tests, Prefect workers)."""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str, str, str], None]  # (event, stage, detail)
_listeners: list[Listener] = []


def listen(fn: Listener) -> None:
    _listeners.append(fn)


def clear() -> None:
    _listeners.clear()


def _emit(event: str, stage: str, detail: str = "") -> None:
    for fn in list(_listeners):
        fn(event, stage, detail)


def start(stage: str, detail: str = "") -> None:
    _emit("start", stage, detail)


def advance(stage: str, detail: str = "") -> None:
    _emit("advance", stage, detail)


def done(stage: str, detail: str = "") -> None:
    _emit("done", stage, detail)


def failed(stage: str, detail: str = "") -> None:
    """The stage ended without doing its work (a source whose fetch failed): never shown as "done"."""
    _emit("failed", stage, detail)
