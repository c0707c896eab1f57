"""The finalist-round forecast's input problems, worded once (contest/engines/final_forecast.py).

The English is the command line's own (``python -m contest.engines.final_forecast``), word for
word; ``given`` is the repr of the value the forecast could not use.
"""
from __future__ import annotations

from contest.catalogue import N_

MESSAGES = {
    "forecast_instance_invalid": N_("instance: must be a scoring instance (an object)"),
    "forecast_not_number": N_("%(key)s: must be a number, got %(given)s"),
    "forecast_levels_invalid": N_("levels: must be a list of numbers"),
    "forecast_levels_range": N_("levels: each effort must lie in (0, 1]"),
    "forecast_own_range": N_("own: must lie between %(low)s and %(high)s, got %(given)s"),
    "forecast_cap_target_range": N_("cap and target: each must lie in (0, 1]"),
}
