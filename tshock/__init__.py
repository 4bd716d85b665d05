"""`import tshock`: the analyst's Python API (flows/api.py) under the project's name.

    import tshock
    tshock.holdings("Japan")                  # a DataFrame, read-only
    tshock.run_scenario("japan-fire-sale", draws=200).fiscal_years

Everything is defined in flows/api.py (see its docstring and docs/api.md); this package only re-exports it.
"""

from flows.api import *  # noqa: F403 - the API's public names, listed in flows.api.__all__
from flows.api import __all__  # noqa: F401
