"""The provider keeps a history of its signing keys, and the key-rotation chart draws it."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from tokenlab import demo_key, plots


def test_rotation_and_retirement_are_recorded_on_the_shared_clock(op):
    first = op.app.signing_key.kid
    op.clock.advance(minutes=5)
    second = op.rotate_key(demo_key("RS256", generation=2)).kid
    op.clock.advance(minutes=10)
    op.retire_old_keys()
    start = op.clock.timestamp() - 15 * 60
    assert [(e.time - start, e.kind, e.kid) for e in op.key_events] == [
        (0, "signing", first),
        (300, "rotated_out", first),
        (300, "signing", second),
        (900, "retired", first),
    ]


def test_rotating_without_keeping_the_old_key_retires_it_at_once(op):
    old = op.app.signing_key.kid
    op.rotate_key(demo_key("RS256", generation=2), keep_old=False)
    assert ("retired", old) in [(e.kind, e.kid) for e in op.key_events]


def test_the_key_rotation_chart_has_a_lane_per_key_and_one_for_the_tokens(op):
    op.mint("reporting-service")
    op.clock.advance(minutes=5)
    op.rotate_key(demo_key("RS256", generation=2))
    op.mint("reporting-service")
    op.clock.advance(minutes=10)
    op.retire_old_keys()
    fig, ax = plt.subplots()
    assert plots.plot_key_rotation(op.key_events, op.events, now=op.clock, ax=ax) is ax
    labels = plots.lane_names(ax)
    assert labels == [f"key {e.kid}" for e in op.key_events if e.kind == "signing"] + ["access tokens"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "overlap: both keys in the JWKS" in legend and "retired: its tokens are refused" in legend
    assert ax.get_title()
    plt.close(fig)
