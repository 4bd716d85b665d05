"""Named, typed read-only queries: every SELECT the pipeline runs lives in this package, beside the views and
as-of macros it reads (warehouse/sql/). calibration/, model/ and flows/ call these functions and hold no SQL.

- `base`: running a query, and the one rule for a table not created yet (a fresh or older warehouse).
- `calibration_inputs`: what the calibration reads, as known on an as-of date.
- `model_inputs`: the scenario model's and the backcast's inputs at an anchor.
- `newest`: the newest stored date per source (refresh cursors), ingest_log and the snapshot export.
- `report_views`: what `tshock run`'s reports chart.
The analyst's API readers are `warehouse/readers.py`; record tables are read and written by
`warehouse/repository.py`.
"""
