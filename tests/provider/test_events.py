"""The provider logs what happens to every token, in order, for the timelines (issue, use, rotation, revocation)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from tokenlab import client, plots
from tokenlab.errors import InvalidGrantError

from .conftest import WEB

WEB_CLIENT = {"client_id": WEB[0], "client_secret": WEB[1]}


def kinds(op):
    return [(e.label, e.kind) for e in op.events]


def test_issue_use_rotation_and_replay_are_logged_in_order_with_one_label_per_token(op):
    meta = client.discover(op.issuer)
    first = op.mint("web-app", "alice", scope="orders:read")
    client.call_api(op.url("/api/orders"), first["access_token"])
    op.clock.advance(minutes=5)
    second = client.refresh(meta, first["refresh_token"], **WEB_CLIENT)
    op.clock.advance(minutes=6)
    client.call_api(op.url("/api/orders"), first["access_token"])  # expired by now
    with pytest.raises(InvalidGrantError, match="already used"):
        client.refresh(meta, first["refresh_token"], **WEB_CLIENT)
    assert kinds(op) == [
        ("AT1", "issued"),
        ("RT1", "issued"),
        ("AT1", "used"),
        ("RT1", "rotated"),
        ("AT2", "issued"),
        ("RT2", "issued"),
        ("AT1", "rejected"),
        ("RT1", "replay_detected"),
        ("AT2", "revoked"),
        ("RT2", "revoked"),
    ]
    times = [e.time for e in op.events]
    assert times == sorted(times)
    assert op.events[0].time == op.clock.timestamp() - 11 * 60
    assert op.events[0].expires_at == op.events[0].time + 600
    assert second["access_token"] != first["access_token"]


def test_revoking_an_access_token_logs_it_once(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    for _ in range(2):
        http.post(op.url("/revoke"), data={"token": tokens["access_token"]}, auth=WEB)
    assert [k for _, k in kinds(op)].count("revoked") == 1


def test_the_timeline_draws_a_lane_per_token_with_markers_and_a_legend(op):
    meta = client.discover(op.issuer)
    first = op.mint("web-app", "alice", scope="orders:read")
    client.call_api(op.url("/api/orders"), first["access_token"])
    op.clock.advance(minutes=5)
    client.refresh(meta, first["refresh_token"], **WEB_CLIENT)
    op.clock.advance(minutes=20)
    fig, ax = plt.subplots()
    assert plots.plot_token_timeline(op.events, now=op.clock, ax=ax) is ax
    assert plots.lane_names(ax) == [
        "AT1 (access)",
        "RT1 (refresh)",
        "AT2 (access)",
        "RT2 (refresh)",
    ]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert (
        "used at the API" in legend
        and "expired (exp reached)" in legend
        and "refresh token traded for new tokens" in legend
    )
    assert "revoked" not in legend  # only what happened is explained
    assert ax.get_title() and "UTC" in ax.get_xlabel()
    plt.close(fig)


def test_an_empty_timeline_says_so_instead_of_failing():
    ax = plots.plot_token_timeline([])
    assert ax.texts[0].get_text() == "no token events yet"
    plt.close(ax.figure)
