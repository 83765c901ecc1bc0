"""Settings for the whole test run.

The stored outputs of lessons 05, 06, 10 and 11 (checked by nbval) are made with no provider of the learner's own
chosen. A trainer who keeps ``TOKENLAB_ISSUER`` and its friends in their shell would otherwise see those cells
differ, so the run forgets the ``TOKENLAB_*`` provider settings before any kernel starts; the tests that use a
real provider set them themselves (tests/realprovider).
"""

from __future__ import annotations

import os

from tokenlab.own_provider import ENVIRONMENT


def pytest_configure(config) -> None:
    for variable in ENVIRONMENT.values():
        os.environ.pop(variable, None)
