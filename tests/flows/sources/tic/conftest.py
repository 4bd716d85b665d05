"""The real TIC snapshot files, read once per test module, and the frames they parse to."""

from __future__ import annotations

import pytest

from flows.sources import tic
from tests.conftest import read_snapshot
from tests.flows.sources.tic.tic_files import HIST, MFH, SLT3, SLT5, VINTAGE


@pytest.fixture(scope="module")
def raw(snapshot_dir):
    return {rel: read_snapshot(snapshot_dir, rel) for rel in (HIST, VINTAGE, SLT5, SLT3, MFH)}


@pytest.fixture(scope="module")
def hist(raw):
    return tic.transform(HIST, raw[HIST])["foreign_holdings"]


@pytest.fixture(scope="module")
def march(raw):
    return tic.transform(VINTAGE, raw[VINTAGE])["foreign_holdings"]


@pytest.fixture(scope="module")
def slt5(raw):
    return tic.transform(SLT5, raw[SLT5])["foreign_holdings"]


@pytest.fixture(scope="module")
def slt3(raw):
    return tic.transform(SLT3, raw[SLT3])["foreign_flows"]
