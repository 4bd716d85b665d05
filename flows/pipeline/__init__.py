"""The pipeline: Prefect flows and tasks and what orchestrates them (refresh, calibrate, scenario runs and the
backcast, sweeps, `tshock run`), the glue between typed records and the record repository (`records.py`), the
temporary Prefect server (`prefect_server.py`), code versions, snapshot export and the stage events the CLI shows.

Nothing is imported here: `python -m flows.pipeline.server_child` and the CLI's first second stay light.
"""
