"""The guess limit (tokenlab.provider.throttle): a sliding window on the provider's clock, per key, bounded.

Its use over real HTTP is tested where it guards a page (test_device.py; the login's tests for passwords)."""

import threading

import pytest

from tokenlab import Clock
from tokenlab.errors import UsageError
from tokenlab.provider.throttle import Throttle, shared_throttle


@pytest.fixture
def clock():
    return Clock.frozen()


def test_a_key_is_blocked_after_limit_failures_until_the_oldest_is_a_window_old(clock):
    throttle = Throttle(limit=3, window=60, clock=clock)
    for expected in (1, 2):
        throttle.record_failure("alice")
        assert throttle.failures("alice") == expected
        assert throttle.blocked_for("alice") == 0
    clock.advance(seconds=10)
    throttle.record_failure("alice")
    assert throttle.blocked_for("alice") == 50  # the first failure, at 0 s, counts until 60 s
    clock.advance(seconds=49)
    assert throttle.blocked_for("alice") == 1
    clock.advance(seconds=1)
    assert throttle.blocked_for("alice") == 0  # the frozen clock moved: the block lifts
    assert throttle.failures("alice") == 1  # the one at 10 s is still inside the window


def test_one_key_failing_blocks_no_other_key(clock):
    throttle = Throttle(limit=2, window=60, clock=clock)
    throttle.record_failure("session-a")
    throttle.record_failure("session-a")
    assert throttle.blocked_for("session-a") == 60
    assert throttle.blocked_for("session-b") == 0
    assert throttle.failures("session-b") == 0


def test_reset_forgets_a_key_and_clear_forgets_them_all(clock):
    throttle = Throttle(limit=1, window=60, clock=clock)
    throttle.record_failure("a")
    throttle.record_failure("b")
    throttle.reset("a")
    assert (throttle.blocked_for("a"), throttle.blocked_for("b")) == (0, 60)
    throttle.clear()
    assert len(throttle) == 0


def test_a_clock_moved_back_neither_lifts_a_block_nor_makes_it_longer_than_the_window(clock):
    throttle = Throttle(limit=2, window=60, clock=clock)
    throttle.record_failure("k")
    throttle.record_failure("k")
    clock.advance(hours=-1)
    assert throttle.blocked_for("k") == 60  # the failures are taken as happening now, no later
    clock.advance(seconds=60)
    assert throttle.blocked_for("k") == 0


def test_memory_stays_bounded_however_many_keys_and_failures_come(clock):
    throttle = Throttle(limit=5, window=60, clock=clock, max_keys=100)
    for i in range(1000):
        throttle.record_failure(f"junk-{i}")
        throttle.record_failure("x" * 100_000)  # a huge key is stored as its digest
    assert len(throttle) == 100
    assert throttle.failures("x" * 100_000) == 5  # counted up to the limit, no more kept
    assert max(len(k) for k in throttle._failures) < 200
    clock.advance(seconds=60)
    throttle.record_failure("new")
    assert len(throttle) == 1  # keys whose failures aged out are pruned as new ones come


def test_a_throttle_works_with_a_plain_function_as_its_clock():
    now = [1000]
    throttle = Throttle(limit=1, window=5, clock=lambda: now[0])
    throttle.record_failure("k")
    assert throttle.blocked_for("k") == 5
    now[0] += 5
    assert throttle.blocked_for("k") == 0


def test_many_threads_recording_at_once_lose_no_failure(clock):
    throttle = Throttle(limit=1000, window=60, clock=clock)
    barrier = threading.Barrier(8)

    def hammer():
        barrier.wait()
        for _ in range(100):
            throttle.record_failure("shared")

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert throttle.failures("shared") == 800


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"limit": 0, "window": 60}, "limit"),
        ({"limit": 5, "window": 1.5}, "window"),
        ({"limit": True, "window": 60}, "limit"),
    ],
)
def test_bad_settings_are_a_usage_error_that_names_the_setting(clock, kwargs, says):
    with pytest.raises(UsageError, match=says):
        Throttle(clock=clock, **kwargs)


def test_a_key_that_is_not_a_string_is_a_usage_error(clock):
    with pytest.raises(UsageError, match="string"):
        Throttle(limit=1, window=1, clock=clock).record_failure(("127.0.0.1", 80))


def test_pages_that_check_the_same_secret_share_one_named_throttle_per_provider(clock):
    class App:
        def __init__(self):
            self.clock = clock

    one, other = App(), App()
    users = shared_throttle(one, "password-user", 5, 60)
    assert shared_throttle(one, "password-user", 5, 60) is users
    assert shared_throttle(other, "password-user", 5, 60) is not users
    with pytest.raises(UsageError, match="password-user"):
        shared_throttle(one, "password-user", 3, 60)


def test_a_key_that_fails_again_is_kept_and_keys_aged_out_behind_it_are_still_pruned(clock):
    throttle = Throttle(limit=5, window=60, clock=clock)
    throttle.record_failure("early")
    clock.advance(seconds=1)
    throttle.record_failure("mid")
    clock.advance(seconds=58)
    throttle.record_failure("early")  # failing again makes it the newest key
    clock.advance(seconds=3)
    throttle.record_failure("new")
    assert len(throttle) == 2  # "mid" aged out and is gone
    assert throttle.failures("early") == 1
