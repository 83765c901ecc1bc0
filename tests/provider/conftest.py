"""Fixtures for the provider tests: a real MockProvider on 127.0.0.1 and a keep-alive HTTP session."""

from collections.abc import Iterator

import pytest
import requests

from tokenlab import Clock
from tokenlab.provider import MockProvider

MACHINE = ("reporting-service", "reporting-secret-3c9e7a1f5d2b8046")
WEB = ("web-app", "web-app-secret-8f2d4c1e9b7a6350")


@pytest.fixture
def clock() -> Clock:
    return Clock.frozen()


@pytest.fixture
def op(clock: Clock) -> Iterator[MockProvider]:
    """A running provider with the demo fixture; fails the test if any request hit an internal error."""
    with MockProvider(clock=clock) as provider:
        yield provider
        assert provider.app.errors == [], f"internal errors: {provider.app.errors!r}"


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
