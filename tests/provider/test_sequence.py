"""Recorded exchanges say what they were for, and draw as a sequence diagram of who talked to whom."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from tokenlab import client, plots

REDIRECT = "http://127.0.0.1/callback"


def run_code_flow(op):
    meta = client.discover(op.issuer)
    pkce = client.PKCE.make()
    url = client.authorization_url(
        meta, client_id="notebook-app", redirect_uri=REDIRECT, scope="orders:read", state="s" * 22, pkce=pkce
    )
    code = client.login_as(url, "alice", "wonderland").code
    tokens = client.exchange_code(meta, code, client_id="notebook-app", redirect_uri=REDIRECT, pkce=pkce)
    client.call_api(op.url("/api/orders"), tokens["access_token"])
    client.call_api(op.url("/api/orders"), "not-a-token")


def test_each_exchange_says_what_it_was_for_and_who_sent_it(op):
    run_code_flow(op)
    assert [(e.role, e.purpose) for e in op.exchanges] == [
        ("client", "discovery"),
        ("browser", "authorization request"),
        ("browser", "login form sent"),
        ("client", "token request (authorization_code)"),
        ("client", "API call: GET /api/orders"),
        ("client", "API call: GET /api/orders"),
    ]


def test_the_sequence_diagram_has_lifelines_arrows_and_labels_for_the_code_flow(op):
    run_code_flow(op)
    fig, ax = plt.subplots()
    assert plots.plot_sequence(op.exchanges, ax=ax) is ax
    texts = [t.get_text() for t in ax.texts]
    assert texts[:4] == ["User's browser", "Client app", "Provider", "API"]
    assert "redirect to the app: code, state" in texts
    assert "200 tokens: access, refresh" in texts
    assert "401 invalid_token" in texts
    assert "#3 login form sent" in texts
    assert ax.get_title()
    plt.close(fig)


def test_participants_that_took_no_part_are_left_out(op, http):
    http.post(
        op.url("/token"),
        data={"grant_type": "client_credentials"},
        auth=("reporting-service", "reporting-secret-3c9e7a1f5d2b8046"),
    )
    ax = plots.plot_sequence(op.exchanges)
    assert [t.get_text() for t in ax.texts][:2] == ["Client app", "Provider"]
    plt.close(ax.figure)
