"""Kept for importers not yet moved (the CLI modules): calibration records are stored and read by
calibration/store.py through the record repository (warehouse/repository.py)."""

from calibration.store import (  # noqa: F401
    RecordNotFound,
    find_calibration,
    list_calibrations,
    load_calibration,
    load_surface,
    store_calibration,
    surface_frame,
)
