"""TimeTravel, without a browser: the buttons and the slider move the clock, and followers re-render."""

from __future__ import annotations

import pytest

from tokenlab import Clock, demo_key, sign
from tokenlab.errors import UsageError
from tokenlab.provider import MockProvider
from tokenlab.widgets import TimelineView, TimeTravel, TokenDecoder


@pytest.fixture
def clock() -> Clock:
    return Clock.frozen()


def buttons(travel: TimeTravel) -> dict[str, object]:
    (row,) = [c for c in travel.children if hasattr(c, "children")]
    return {b.description: b for b in row.children}


def test_the_buttons_move_the_clock_and_reset_undoes_their_moves(clock):
    travel = TimeTravel(clock)
    clicks = buttons(travel)
    clicks["+1 min"].click()
    clicks["+5 min"].click()
    clicks["+1 h"].click()
    assert travel.value == 66
    assert clock.now().isoformat() == "2026-01-05T10:06:00+00:00"
    clicks["Reset"].click()
    assert travel.value == 0
    assert clock.now().isoformat() == "2026-01-05T09:00:00+00:00"


def test_the_slider_moves_the_clock_by_the_difference_so_moves_made_elsewhere_are_kept(clock):
    travel = TimeTravel(clock)
    travel.value = 10
    clock.advance(minutes=1)  # a notebook cell moves the clock too
    travel.value = 15
    assert clock.now().isoformat() == "2026-01-05T09:16:00+00:00"
    travel.reset()
    assert clock.now().isoformat() == "2026-01-05T09:01:00+00:00"


def test_going_past_the_end_of_the_slider_extends_it(clock):
    travel = TimeTravel(clock, max_minutes=30)
    travel.advance(hours=2)
    assert travel.value == 120
    assert clock.now().isoformat() == "2026-01-05T11:00:00+00:00"


def test_the_time_shown_follows_the_clock(clock):
    travel = TimeTravel(clock)
    travel.advance(minutes=5)
    assert "Clock: 2026-01-05 09:05:00 UTC" in travel.children[0].value
    assert "+5 min" in travel.children[0].value


def test_every_decoder_on_the_same_clock_follows_and_others_do_not(clock):
    token = sign({"sub": "alice", "exp": clock.timestamp() + 300}, demo_key("ES256"))
    same = [TokenDecoder(token, clock=clock) for _ in range(2)]
    other = TokenDecoder(token, clock=Clock.frozen())
    TimeTravel(clock).advance(minutes=6)
    for decoder in same:
        assert "(expired 1 min ago)" in decoder.children[4].value
    assert "(expires in 5 min)" in other.children[4].value


def test_a_decoder_on_a_providers_clock_follows_a_time_travel_on_that_provider():
    with MockProvider(seed=2) as op:
        decoder = TokenDecoder(op.mint("web-app", "alice")["access_token"], provider=op)
        TimeTravel(provider=op).advance(minutes=10)
        assert "TokenExpiredError" in decoder.verdict


def test_followers_are_called_with_the_new_time_and_a_failing_one_is_reported_not_raised(clock):
    seen = []

    def broken(now):
        raise ValueError("nope")

    travel = TimeTravel(clock, follow=[seen.append])
    travel.follow(broken)
    travel.advance(minutes=1)
    assert [t.isoformat() for t in seen][-1] == "2026-01-05T09:01:00+00:00"
    assert "ValueError: nope" in travel.children[-1].value


def test_a_timeline_is_redrawn_when_the_clock_moves(clock):
    with MockProvider(clock=clock, seed=3) as op:
        op.mint("web-app", "alice")
        travel = TimeTravel(clock)
        timeline = travel.timeline(lambda: op.events, title="one login")
        assert isinstance(timeline, TimelineView)
        first = bytes(timeline.value)
        assert first.startswith(b"\x89PNG")
        travel.advance(minutes=20)
        assert bytes(timeline.value) != first
        assert repr(timeline) == "TimelineView(2 tokens, now 2026-01-05 09:20:00 UTC)"
        assert "image/png" in timeline._repr_mimebundle_()


def test_the_repr_is_deterministic(clock):
    travel = TimeTravel(clock)
    assert repr(travel) == "TimeTravel(clock at 2026-01-05 09:00:00 UTC, ±0 min)"
    travel.advance(minutes=90)
    assert repr(travel) == "TimeTravel(clock at 2026-01-05 10:30:00 UTC, +1 h 30 min)"
    assert travel._repr_mimebundle_()["text/plain"] == repr(travel)


def test_without_a_clock_it_says_what_to_pass():
    with pytest.raises(UsageError, match="TimeTravel moves a clock"):
        TimeTravel()


def test_the_saved_copy_shows_the_clock_and_says_the_buttons_need_the_cell_run(clock):
    saved = TimeTravel(clock)._repr_mimebundle_()["text/html"]
    assert "Saved output, not the live time machine" in saved
    assert "buttons and slider that move the clock are not here. Run this cell (Shift+Enter)" in saved
    assert "Clock: 2026-01-05 09:00:00 UTC" in saved


def test_neither_the_time_machine_nor_a_timeline_is_100_percent_wide_plus_margins(clock):
    from tests.test_widgets_decoder import wider_than_their_output

    travel = TimeTravel(clock)
    assert wider_than_their_output(travel) == []
    assert wider_than_their_output(travel.timeline([])) == []
