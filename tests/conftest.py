"""Suite-wide settings: hypothesis profiles.

``fast`` (the default) keeps ``make test`` within its budget; ``soak`` runs
many more examples (``HYPOTHESIS_PROFILE=soak``, see ``make soak``). Examples
run under trio's virtual clock, so hypothesis's wall-clock deadline is off.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fast",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "soak",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
