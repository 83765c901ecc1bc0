"""On a JupyterHub or Binder, the login link a lesson shows opens in the learner's browser through
jupyter-server-proxy, and the login works there.

A real JupyterLab serves under a hub's prefix (``--ServerApp.base_url=/user/alice/``) with the
jupyter-server-proxy that ``tokenlab[lab]`` installs; the kernel's side (this test process) runs the course's
provider with ``JUPYTERHUB_SERVICE_PREFIX`` set, as a hub sets it. Debian's Chromium opens
``op.browser_url(...)``, fills the provider's login page and presses Allow; the redirect to the app's
``redirect_uri`` (which does not exist) is caught, and its code is redeemed by the kernel's side.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Route

from tests.browser.harness import ARTIFACTS, HarnessError, Lab, running_lab
from tokenlab import client
from tokenlab.provider import MockProvider

PREFIX = "/user/alice/"
REDIRECT_URI = "http://127.0.0.1/callback"


@pytest.fixture(scope="module")
def hub_lab() -> Iterator[Lab]:
    try:
        with running_lab(ARTIFACTS / "jupyterlab-hub-prefix.log", base_url=PREFIX) as server:
            yield server
    except HarnessError as err:
        pytest.fail(str(err), pytrace=False)


def test_browser_url_is_the_hub_proxy_path_when_a_hub_prefix_is_set(monkeypatch):
    with MockProvider() as op:
        assert op.browser_url("/device") == op.url("/device")  # on a laptop: the URL itself
        monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", PREFIX)
        assert op.browser_url(op.url("/device?user_code=AB")) == f"{PREFIX}proxy/{op.port}/device?user_code=AB"
        with pytest.raises(ValueError, match="not on this provider"):
            op.browser_url("https://elsewhere.example/")


def test_the_login_link_works_in_a_browser_through_jupyter_server_proxy(hub_lab, browser_context, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", PREFIX)
    with MockProvider() as op:
        meta = client.discover(op.issuer)
        pkce = client.PKCE.make()
        url = client.authorization_url(
            meta,
            client_id="notebook-app",
            redirect_uri=REDIRECT_URI,
            scope="openid orders:read",
            state="s-hub",
            pkce=pkce,
        )
        link = op.browser_url(url)
        origin = hub_lab.url[: -len(PREFIX)]
        assert link.startswith(f"{PREFIX}proxy/{op.port}/authorize?")

        context: BrowserContext = browser_context
        landed: list[str] = []

        def app(route: Route) -> None:  # the app's redirect_uri: nothing listens there, so answer for it
            landed.append(route.request.url)
            route.fulfill(status=200, content_type="text/plain", body="the app got its code")

        def direct(route: Route) -> None:  # on a real hub the browser cannot reach the kernel's 127.0.0.1
            bypassed.append(route.request.url)
            route.abort()

        bypassed: list[str] = []
        context.route(f"{REDIRECT_URI}*", app)
        context.route(f"{op.issuer}/**", direct)
        tab = context.new_page()
        try:
            tab.goto(f"{hub_lab.url}?token={hub_lab.token}")  # logs the browser in to the hub's server
            tab.goto(origin + link)
            assert "Sign in" in tab.content()
            tab.screenshot(path=str(ARTIFACTS / "login-page-through-hub-proxy.png"))
            tab.fill("input[name=username]", "alice")
            tab.fill("input[name=password]", "wonderland")
            tab.click("button[value=allow]")
            tab.wait_for_url(f"{REDIRECT_URI}*")
        finally:
            tab.close()
            context.unroute(f"{REDIRECT_URI}*")
            context.unroute(f"{op.issuer}/**")

        assert bypassed == []  # every page and form of the login went through the hub's proxy

        (back,) = landed
        params = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
        assert params["state"] == "s-hub"
        tokens = client.exchange_code(
            meta, params["code"], client_id="notebook-app", redirect_uri=REDIRECT_URI, pkce=pkce
        )
        assert client.call_api(op.url("/api/orders"), tokens["access_token"]).status_code == 200
        login_posts = [x for x in op.exchanges if x.method == "POST" and x.path == "/authorize"]
        assert len(login_posts) == 1  # the form was posted to the provider through the proxy
