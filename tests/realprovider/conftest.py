"""A real provider for the session: panva's oidc-provider (OpenID Certified), from the npm registry.

benchmarks/oidc_provider.py (shared with the benchmark against it) runs ``npm ci``
with oidc-provider/package-lock.json once (skipped while node_modules matches
the lock), then ``node server.mjs``, which listens on 127.0.0.1 on a port the
system picks. Its output goes to test-artifacts/oidc-provider.log. Node.js and npm must be on
PATH (`make test` installs them, tools/system_deps.py): without them these tests fail with how to install
them, they never skip.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.oidc_provider import CertifiedProviderError, running_oidc_provider
from tokenlab import client
from tools import system_deps

LOG = Path(__file__).parents[2] / "test-artifacts" / "oidc-provider.log"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(system_deps.message([name], f"`{name}` is not on PATH when the tests run"), pytrace=False)
    return path


@pytest.fixture(scope="session")
def issuer() -> Iterator[str]:
    """The issuer URL of a running oidc-provider, stopped (by its PID) at the end of the session."""
    _tool("node")
    _tool("npm")
    failure = None
    try:
        with running_oidc_provider(LOG) as url:
            yield url
    except CertifiedProviderError as err:
        failure = str(err)
    if failure is not None:  # outside the except block: the message alone, not the harness's traceback
        pytest.fail(failure, pytrace=False)


@pytest.fixture(scope="session")
def meta(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, as tokenlab's client reads it."""
    return client.discover(issuer)
