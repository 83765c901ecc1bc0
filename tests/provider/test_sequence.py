"""Recorded exchanges say what they were for, and draw as a sequence diagram of who talked to whom."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from tokenlab import client, plots
from tokenlab.provider.exchange_kinds import PARTIES

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


def test_each_exchange_says_what_it_was_and_who_sent_it(op):
    run_code_flow(op)
    assert [(e.kind.sender, e.kind.receiver, e.kind.label) for e in op.exchanges] == [
        ("client", "provider", "discovery"),
        ("browser", "provider", "authorization request: login page"),
        ("browser", "provider", "login and consent"),
        ("client", "provider", "token request (authorization_code)"),
        ("client", "api", "API call with a bearer token"),
        ("client", "api", "API call with a bearer token"),
    ]
    assert op.exchanges[-1].kind.refused == "invalid_token"


def arrows(ax):
    """Each request arrow of a sequence diagram as (from, to, label), read off the drawing: the label's text
    and the lifelines under the two ends of the solid line beneath it."""
    lifelines = {round(t.get_position()[0]): t.get_text() for t in ax.texts if t.get_position()[1] == 0.6}
    solid = next(c for c in ax.collections if c.get_linestyle()[0][1] is None)
    drawn = []
    for segment in solid.get_segments():
        (x0, y), (x1, _) = segment
        (label,) = [t.get_text() for t in ax.texts if abs(t.get_position()[1] - (y + 0.08)) < 1e-9]
        drawn.append((lifelines[round(x0)], lifelines[round(x1)], label))
    return drawn


def test_the_diagram_draws_each_request_from_its_sender_to_its_receiver_with_the_classifiers_label(op, http):
    run_code_flow(op)
    http.post(op.url("/device_authorization"), data={"client_id": "tv-app", "scope": "openid"})
    http.post(op.url("/introspect"), data={"token": "x"}, auth=("web-app", "web-app-secret-8f2d4c1e9b7a6350"))
    http.get(op.url("/logout"))
    fig, ax = plt.subplots()
    plots.plot_sequence(op.exchanges, ax=ax)
    expected = [(PARTIES[e.kind.sender], PARTIES[e.kind.receiver], f"#{e.number} {e.kind.label}") for e in op.exchanges]
    assert arrows(ax) == expected
    assert ("Device", "Provider", "#7 device authorization request") in expected
    assert ("API", "Provider", "#8 introspection") in expected
    assert ("User's browser", "Provider", "#9 logout request") in expected
    plt.close(fig)


def test_the_sequence_diagram_has_lifelines_arrows_and_labels_for_the_code_flow(op):
    run_code_flow(op)
    fig, ax = plt.subplots()
    assert plots.plot_sequence(op.exchanges, ax=ax) is ax
    texts = [t.get_text() for t in ax.texts]
    assert texts[:4] == ["User's browser", "Client app", "Provider", "API"]
    assert "redirect to the app: code, state" in texts
    assert "200 tokens: access, refresh" in texts
    assert "401 invalid_token" in texts
    assert "#3 login and consent" in texts
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


def test_no_lifeline_runs_through_an_arrows_label(op):
    run_code_flow(op)
    ax = plots.plot_sequence(op.exchanges)
    labels = [t for t in ax.texts if t.get_text().startswith("#")]
    assert labels and all(t.get_bbox_patch() is not None for t in labels)
    assert {t.get_bbox_patch().get_facecolor() for t in labels} == {(1.0, 1.0, 1.0, 1.0)}
    assert min(t.get_zorder() for t in labels) > max(line.get_zorder() for line in ax.lines)
    plt.close(ax.figure)
