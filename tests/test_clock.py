"""tokenlab.clock: a frozen clock for reproducible notebooks, the system clock with an offset for skew lessons."""

import threading
from datetime import datetime, timedelta, timezone

import pytest

from tokenlab.clock import DEMO_START, Clock, as_datetime, format_utc, humanize_delta
from tokenlab.errors import UsageError

DEMO_TIMESTAMP = 1767603600  # 2026-01-05T09:00:00Z


def test_demo_start_is_monday_5_january_2026_at_nine_utc():
    assert datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc) == DEMO_START
    assert DEMO_START.weekday() == 0
    assert int(DEMO_START.timestamp()) == DEMO_TIMESTAMP


def test_a_frozen_clock_starts_at_demo_start_and_stands_still():
    clock = Clock.frozen()
    assert clock.is_frozen
    assert clock.now() == DEMO_START
    assert clock.now() == DEMO_START
    assert clock.timestamp() == DEMO_TIMESTAMP


def test_a_frozen_clock_can_start_at_a_datetime_a_numeric_date_or_an_iso_string():
    moment = datetime(2030, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert Clock.frozen(moment).now() == moment
    assert Clock.frozen(int(moment.timestamp())).now() == moment
    assert Clock.frozen("2030-02-03T04:05:06Z").now() == moment
    assert Clock.frozen("2030-02-03T05:05:06+01:00").now() == moment


def test_advance_moves_a_frozen_clock_by_each_unit_and_returns_the_new_time():
    clock = Clock.frozen()
    assert clock.advance(seconds=30) == DEMO_START + timedelta(seconds=30)
    assert clock.advance(minutes=2) == DEMO_START + timedelta(minutes=2, seconds=30)
    assert clock.advance(hours=1, days=1) == DEMO_START + timedelta(days=1, hours=1, minutes=2, seconds=30)
    assert clock.timestamp() == DEMO_TIMESTAMP + 86400 + 3600 + 150


def test_advance_with_a_negative_step_moves_the_clock_back():
    clock = Clock.frozen()
    assert clock.advance(minutes=-5) == DEMO_START - timedelta(minutes=5)
    assert clock.timestamp() == DEMO_TIMESTAMP - 300


def test_set_freezes_the_clock_at_the_given_time():
    clock = Clock.frozen()
    assert clock.set("2026-01-05T10:00:00Z") == DEMO_START + timedelta(hours=1)
    assert clock.timestamp() == DEMO_TIMESTAMP + 3600
    assert clock.set(DEMO_TIMESTAMP) == DEMO_START


def test_set_on_a_system_clock_freezes_it():
    clock = Clock.system()
    assert not clock.is_frozen
    clock.set(DEMO_START)
    assert clock.is_frozen
    assert clock.now() == DEMO_START


def test_the_system_clock_follows_the_real_time():
    clock = Clock.system()
    real = datetime.now(timezone.utc)
    assert abs((clock.now() - real).total_seconds()) < 2
    assert abs(clock.timestamp() - real.timestamp()) < 2
    assert clock.now().tzinfo is not None


def test_advance_on_a_system_clock_shifts_it_by_an_offset_to_simulate_skew():
    clock = Clock.system()
    clock.advance(hours=1)
    real = datetime.now(timezone.utc)
    assert abs((clock.now() - real).total_seconds() - 3600) < 2
    assert abs(clock.timestamp() - real.timestamp() - 3600) < 2
    assert not clock.is_frozen


@pytest.mark.parametrize(
    "use_naive",
    [
        lambda naive: Clock.frozen(naive),
        lambda naive: Clock.frozen().set(naive),
        lambda naive: as_datetime(naive),
        lambda naive: as_datetime(naive.isoformat()),
        lambda naive: format_utc(naive),
    ],
    ids=["frozen", "set", "as_datetime", "iso_string_without_offset", "format_utc"],
)
def test_a_naive_datetime_is_refused_with_a_usage_error_that_says_how_to_fix_it(use_naive):
    with pytest.raises(UsageError, match="time zone"):
        use_naive(datetime(2026, 1, 5, 9, 0))


def test_as_datetime_converts_every_accepted_form_to_aware_utc():
    berlin = timezone(timedelta(hours=1))
    assert as_datetime(datetime(2026, 1, 5, 10, 0, tzinfo=berlin)) == DEMO_START
    assert as_datetime(datetime(2026, 1, 5, 10, 0, tzinfo=berlin)).tzinfo == timezone.utc
    assert as_datetime(DEMO_TIMESTAMP) == DEMO_START
    assert as_datetime(DEMO_TIMESTAMP + 0.5) == DEMO_START + timedelta(milliseconds=500)
    assert as_datetime("2026-01-05T09:00:00Z") == DEMO_START
    assert as_datetime("2026-01-05T09:00:00+00:00") == DEMO_START


@pytest.mark.parametrize(
    "value", [True, False, None, [DEMO_TIMESTAMP], b"2026-01-05", "yesterday", "2026-13-45T00:00Z"]
)
def test_as_datetime_refuses_what_is_not_a_time_with_a_usage_error(value):
    with pytest.raises(UsageError):
        as_datetime(value)


@pytest.mark.parametrize("value", [1e20, -1e20, 10**30, float("nan"), float("inf")])
def test_as_datetime_refuses_a_number_beyond_any_calendar_with_a_usage_error(value):
    with pytest.raises(UsageError, match="calendar"):
        as_datetime(value)
    with pytest.raises(UsageError):
        Clock.frozen(value)


def test_format_utc_is_unambiguous_and_the_same_for_every_input_form():
    expected = "2026-01-05 09:00:00 UTC"
    assert format_utc(DEMO_START) == expected
    assert format_utc(DEMO_TIMESTAMP) == expected
    assert format_utc(DEMO_START.astimezone(timezone(timedelta(hours=-5)))) == expected


@pytest.mark.parametrize(
    ("seconds", "spoken"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (59.6, "1 min"),
        (60, "1 min"),
        (65, "1 min 5 s"),
        (240, "4 min"),
        (605, "10 min"),
        (3600, "1 h"),
        (2 * 3600 + 5 * 60, "2 h 5 min"),
        (47 * 3600, "47 h"),
        (48 * 3600, "2 days"),
        (3 * 86400, "3 days"),
        (3 * 86400 + 7200, "3 days 2 h"),
        (30 * 86400 + 7200, "30 days"),
        (730 * 86400, "2 years"),
        (-300, "5 min"),
    ],
)
def test_humanize_delta_says_a_length_of_time_as_a_person_would(seconds, spoken):
    assert humanize_delta(seconds) == spoken


def test_repr_shows_a_frozen_time_or_the_offset_of_a_system_clock():
    assert repr(Clock.frozen()) == "<Clock frozen at 2026-01-05 09:00:00 UTC>"
    system = Clock.system()
    assert repr(system) == "<Clock system time>"
    system.advance(minutes=-5)
    assert repr(system) == "<Clock system time - 5 min>"
    system.advance(hours=2, minutes=5)
    assert repr(system) == "<Clock system time + 2 h>"


def test_a_clock_advanced_from_several_threads_at_once_loses_no_step():
    clock = Clock.frozen()
    threads, steps = 6, 2000
    start = threading.Barrier(threads)
    seen = []

    def worker():
        start.wait()
        for _ in range(steps):
            clock.advance(seconds=1)
            seen.append(clock.now())

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in pool)
    assert clock.now() == DEMO_START + timedelta(seconds=threads * steps)
    assert all(DEMO_START < moment <= clock.now() for moment in seen)


def test_advance_given_a_time_of_day_says_it_takes_a_step_in_keywords_added_to_the_current_time():
    clock = Clock.frozen()
    with pytest.raises(UsageError) as caught:
        clock.advance("10:30")
    message = str(caught.value)
    assert "advance() takes the step as keywords, not '10:30'" in message
    assert "it adds to the time the clock reads now (2026-01-05 09:00:00 UTC)" in message
    assert "clock.set(" in message
    assert clock.now() == DEMO_START


@pytest.mark.parametrize(
    ("step", "words"),
    [({"minutes": "90"}, "advance(minutes=...) takes a number"), ({"hours": True}, "takes a number")],
)
def test_advance_given_something_else_than_a_number_says_what_it_takes(step, words):
    clock = Clock.frozen()
    with pytest.raises(UsageError, match=words.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        clock.advance(**step)
    assert clock.now() == DEMO_START


@pytest.mark.parametrize("step", [{"days": 10**9}, {"seconds": float("inf")}])
def test_advance_beyond_any_calendar_is_a_usage_error_and_leaves_the_clock_where_it_was(step):
    clock = Clock.frozen()
    with pytest.raises(UsageError):
        clock.advance(**step)
    assert clock.now() == DEMO_START
