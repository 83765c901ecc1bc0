"""Fixtures for the provider tests: a real MockProvider on 127.0.0.1 and a keep-alive HTTP session."""

from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy

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
    """A keep-alive session that keeps no cookies, so every login shows the login page; the single
    sign-on tests use a ``browser`` session, which keeps the provider's session cookie."""
    with requests.Session() as session:
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        yield session


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """A session that keeps cookies, as a user's browser does."""
    with requests.Session() as session:
        yield session
