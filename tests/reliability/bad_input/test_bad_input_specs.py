"""Bad input to every scenario field, through `tshock scenario run FILE` and `tshock run --scenario FILE`: exit 2,
exactly one `error:` line naming the field and the bad value, no traceback, nothing on stdout, no Prefect started
and the warehouse unchanged (the harness: conftest.py and harness.py; the cases: spec_fields.py).
"""

from __future__ import annotations

import pytest

from tests.reliability.bad_input.harness import AS_OF, refused
from tests.reliability.bad_input.spec_fields import RUN_SPECS, SPEC_FIELDS, spec_text


@pytest.mark.parametrize("case", SPEC_FIELDS)
def test_scenario_run_refuses_every_bad_field_in_one_line(tshock, paths, tmp_path, case):
    override, words = SPEC_FIELDS[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text(override))
    refused(*tshock(["scenario", "run", str(spec), "--db", "{db}"]), 2, words, paths)


@pytest.mark.parametrize("case", RUN_SPECS)
def test_tshock_run_refuses_a_bad_scenario_before_prefect_starts(tshock, paths, tmp_path, case):
    override, words = SPEC_FIELDS[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text(override))
    result = tshock(["run", "--no-refresh", "--scenario", str(spec), "--db", "{db}", "--reports-dir", "{tmp}/r"])
    refused(*result, 2, [f"--scenario {spec}: ", *words], paths)


def test_the_base_spec_is_valid_so_each_case_fails_on_its_one_field(warehouse):
    from flows.pipeline.scenario import read_frames
    from model.spec import check_against_holdings, load_spec
    from warehouse.db import session

    spec = load_spec(spec_text("seed: 3"))
    with session(warehouse, read_only=True) as con:
        holdings = read_frames(con, AS_OF).holdings
    assert check_against_holdings(spec, holdings, as_of=AS_OF) == {0: 100.0}
