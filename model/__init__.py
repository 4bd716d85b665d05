"""The scenario model: pure computation on frames, a calibration record and a scenario spec.

Nothing here reads the warehouse, the network or Prefect; `flows/` fills `model.run.Frames` and stores
what `model.run.run_scenario` returns. See docs/model.md for the chain and its assumptions.
"""


class ModelError(ValueError):
    """Inputs the model cannot work with (no curve at the anchor, a missing calibration parameter…).

    The message names what is missing and where, so the CLI can print it as is.
    """
