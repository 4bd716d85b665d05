"""Whether the installed packages have bytecode: without it every command compiles Prefect, pandas and statsmodels
from source (~6,000 modules, ~20 s of a cold run on 2 cores), and the benchmarks measure that instead."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def uncompiled() -> list[str]:
    out = []
    for name in ("prefect", "pandas", "statsmodels"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            if not any(Path(spec.submodule_search_locations[0], "__pycache__").glob("*.pyc")):
                out.append(name)
    return out


def warn_if_uncompiled() -> None:
    if missing := uncompiled():
        print(
            f"WARNING: no bytecode for {', '.join(missing)} (PYTHONDONTWRITEBYTECODE="
            f"{'set' if sys.flags.dont_write_bytecode else 'unset'}): every command recompiles them; run "
            "`uv sync --compile-bytecode` once for figures a user with a normal install sees",
            flush=True,
        )
