"""Shared test configuration: hypothesis profiles.

``dev`` (the default) keeps the suite quick; ``ci`` is thorough. Choose with
HYPOTHESIS_PROFILE=ci.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The toolkit's own fixtures, as a user's project enables them.
pytest_plugins = ["timeline.testing.pytest_plugin"]
