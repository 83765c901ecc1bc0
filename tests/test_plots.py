"""Plot helpers draw on the Axes they are given, return it, leave matplotlib's settings alone, and say only what
happened: every legend entry, hatch and label here is read back from the figure's artists, in the situations the
lessons draw, on a real provider."""

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import same_color

from tokenlab import Clock, client, demo_key, plots
from tokenlab.entropy import ATTACKERS, TOKEN_FORMATS, Attacker, TokenFormat
from tokenlab.errors import InvalidGrantError
from tokenlab.provider import MockProvider

WEB = {"client_id": "web-app", "client_secret": "web-app-secret-8f2d4c1e9b7a6350"}
REDIRECT = "http://127.0.0.1/callback"


@pytest.fixture
def op() -> Iterator[MockProvider]:
    with MockProvider(clock=Clock.frozen("2026-01-05T09:00:00Z"), seed=1) as provider:
        yield provider


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def legend(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def hatched(ax) -> list:
    """The bars drawn with a hatch (a revoked JWT's remaining life, a key that is only published)."""
    return [patch for patch in ax.patches if patch.get_hatch()]


def marker_count(ax, marker: str) -> int:
    return sum(len(line.get_xdata()) for line in ax.get_lines() if line.get_marker() == marker)


def now_label(ax):
    (label,) = [text for text in ax.texts if text.get_text() == "now"]
    return label


# --- the token timeline ----------------------------------------------------------------------------------


def test_a_token_that_was_never_revoked_shows_no_revoked_legend_and_no_hatch(op):
    """Lesson 08: one access token, used at 09:00 and 09:05, drawn at 09:05 while it still has five minutes."""
    token = op.mint("reporting-service")["access_token"]
    client.call_api(op.url("/api/reports"), token)
    op.clock.advance(minutes=5)
    client.call_api(op.url("/api/reports"), token)
    ax = plots.plot_token_timeline(op.events, now=op.clock)
    assert not any("revoked" in text for text in legend(ax))
    assert hatched(ax) == []
    assert "still good at now, until it expires" in legend(ax)
    assert "expired (exp reached)" not in legend(ax)


def test_the_time_axis_shows_the_first_event_and_an_access_tokens_exp_ahead_with_room_for_their_markers(op):
    """Bars alone would pin the axis to their edges and cut the markers there in half; a token still good at
    now is drawn up to its exp, which the axis must reach."""
    token = op.mint("reporting-service")
    client.call_api(op.url("/api/reports"), token["access_token"])
    op.clock.advance(minutes=1)
    ax = plots.plot_token_timeline(op.events, now=op.clock)
    first_used = mdates.date2num(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    expires = mdates.date2num(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc) + timedelta(seconds=token["expires_in"]))
    left, right = ax.get_xlim()
    margin = (expires - first_used) * 0.03
    seconds = 24 * 3600  # matplotlib's dates count days
    assert (left - (first_used - margin)) * seconds == pytest.approx(0, abs=1)
    assert (right - (expires + margin)) * seconds == pytest.approx(0, abs=1)


def test_a_replay_on_a_clock_set_back_draws_nothing_that_has_not_happened_yet(op):
    """Lesson 08's time-travel widget: the token's whole story is in the log, the replay's clock is at 09:03."""
    token = op.mint("reporting-service")["access_token"]
    for minutes in (0, 5, 5):  # used at 09:00 and 09:05, refused at 09:10
        op.clock.advance(minutes=minutes)
        client.call_api(op.url("/api/reports"), token)
    ax = plots.plot_token_timeline(op.events, now=Clock.frozen("2026-01-05T09:03:00Z"))
    assert marker_count(ax, "o") == 1  # the 09:00 use; 09:05 is still ahead
    assert "refused by the API" not in legend(ax) and "expired (exp reached)" not in legend(ax)
    assert hatched(ax) == [] and not any("revoked" in text for text in legend(ax))


def test_a_revoked_jwt_is_hatched_until_its_exp_and_a_revoked_opaque_token_is_not(op):
    """Lesson 10: the Web App's JWT and the Intranet App's opaque token, both revoked at 09:00, drawn at 09:05."""
    meta = client.discover(op.issuer)
    jwt = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    opaque = op.mint("intranet-app", "alice", scope="orders:read")["access_token"]
    client.revoke(meta, jwt, **WEB)
    client.revoke(meta, opaque, client_id="intranet-app", client_secret="intranet-app-secret-5e1b9d7c3a2f8064")
    op.clock.advance(minutes=5)
    ax = plots.plot_token_timeline(op.events, now=op.clock)
    assert "revoked JWT, still verifies until exp" in legend(ax) and "revoked" in legend(ax)
    (still_verifies,) = hatched(ax)  # the JWT's lane only
    assert still_verifies.get_width() == pytest.approx(timedelta(minutes=10) / timedelta(days=1))
    assert plots.lane_names(ax)[0] == "AT1 (access)"
    assert still_verifies.get_y() == pytest.approx(-0.25)  # lane 0, bars 0.5 high


def test_a_token_that_ended_before_its_exp_gets_no_expired_mark_unless_it_still_verifies(op):
    """An opaque token revoked at 09:00 was dead long before its exp at 09:10; a revoked JWT did verify until then."""
    meta = client.discover(op.issuer)
    opaque = op.mint("intranet-app", "alice", scope="orders:read")["access_token"]
    client.revoke(meta, opaque, client_id="intranet-app", client_secret="intranet-app-secret-5e1b9d7c3a2f8064")
    op.clock.advance(minutes=15)
    ax = plots.plot_token_timeline(op.events, now=op.clock)
    assert "expired (exp reached)" not in legend(ax) and marker_count(ax, "|") == 0
    jwt = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    client.revoke(meta, jwt, **WEB)
    op.clock.advance(minutes=15)
    ax = plots.plot_token_timeline(op.events, now=op.clock)
    assert "expired (exp reached)" in legend(ax) and marker_count(ax, "|") == 1


def test_reuse_of_a_rotated_refresh_token_shows_the_reuse_and_the_grant_revoked(op):
    """Lesson 09, story A: the app refreshes at 09:10, the thief replays the old refresh token at 09:13."""
    meta = client.discover(op.issuer)
    first = op.mint("web-app", "alice", scope="orders:read")
    op.clock.advance(minutes=10)
    client.refresh(meta, first["refresh_token"], **WEB)
    op.clock.advance(minutes=3)
    with pytest.raises(InvalidGrantError, match="already used"):
        client.refresh(meta, first["refresh_token"], **WEB)
    op.clock.advance(minutes=2)
    ax = plots.plot_token_timeline(op.events, now=op.clock)
    assert {"refresh token traded for new tokens", "reuse detected", "revoked"} <= set(legend(ax))
    assert "revoked JWT, still verifies until exp" in legend(ax)  # AT2, revoked with its grant
    assert len(hatched(ax)) == 1


def test_the_now_label_lies_inside_the_axes_below_the_title_and_inside_the_figure(op):
    op.mint("reporting-service")
    for moment in ("2026-01-05T09:10:00Z", "2026-01-05T09:00:00Z", "2026-01-05T09:05:00Z"):
        ax = plots.plot_token_timeline(op.events, now=Clock.frozen(moment), title="One access token")
        assert_now_label_is_in_sight(ax)


def assert_now_label_is_in_sight(ax) -> None:
    figure = ax.figure
    figure.canvas.draw()  # the Agg canvas: extents as the PNG has them
    renderer = figure.canvas.get_renderer()
    label = now_label(ax).get_window_extent(renderer)
    assert figure.bbox.contains(label.x0, label.y0) and figure.bbox.contains(label.x1, label.y1)
    axes = ax.get_window_extent(renderer)
    assert axes.x0 <= label.x0 and label.x1 <= axes.x1 and axes.y0 <= label.y0 and label.y1 <= axes.y1
    assert not label.overlaps(ax.title.get_window_extent(renderer))


# --- signing-key rotation -------------------------------------------------------------------------------


def test_a_key_that_was_never_rotated_shows_no_overlap_and_no_retirement(op):
    op.mint("reporting-service")
    op.clock.advance(minutes=5)
    ax = plots.plot_key_rotation(op.key_events, op.events, now=op.clock)
    assert legend(ax) == ["signs new tokens", "an access token's life (iat → exp)"]
    assert hatched(ax) == []
    assert marker_count(ax, "X") == 0


def test_a_rotated_key_shows_its_overlap_until_it_is_retired(op):
    """Lesson 10: rotate at 09:06 keeping the old key published, retire it at 09:21."""
    op.mint("reporting-service")
    op.clock.advance(minutes=6)
    op.rotate_key(demo_key("RS256", generation=2))
    op.mint("reporting-service")
    op.clock.advance(minutes=15)
    op.retire_old_keys()
    ax = plots.plot_key_rotation(op.key_events, op.events, now=op.clock)
    assert legend(ax)[:4] == [
        "signs new tokens",
        "published only: old tokens verify",
        "overlap: both keys in the JWKS",
        "retired: its tokens are refused",
    ]
    (published,) = hatched(ax)
    assert published.get_width() == pytest.approx(timedelta(minutes=15) / timedelta(days=1))
    (overlap,) = [patch for patch in ax.patches if patch.get_gid() == "overlap"]
    assert same_color(overlap.get_facecolor()[:3], "gold")
    assert marker_count(ax, "X") == 1


def test_rotating_without_keeping_the_old_key_shows_no_overlap(op):
    op.rotate_key(demo_key("RS256", generation=2), keep_old=False)
    op.clock.advance(minutes=5)
    ax = plots.plot_key_rotation(op.key_events, op.events, now=op.clock)
    assert "overlap: both keys in the JWKS" not in legend(ax)
    assert "published only: old tokens verify" not in legend(ax) and hatched(ax) == []
    assert "retired: its tokens are refused" in legend(ax)


def test_only_signed_access_tokens_are_drawn_under_the_keys(op):
    """An opaque token is not signed: no key has to outlive it."""
    op.mint("reporting-service")
    op.mint("intranet-app", "alice", scope="orders:read")
    op.clock.advance(minutes=5)
    ax = plots.plot_key_rotation(op.key_events, op.events, now=op.clock)
    token_lines = [line for line in ax.get_lines() if line.get_color() == "tab:blue"]
    assert len(token_lines) == 1


def test_the_key_rotation_chart_marks_now_in_sight(op):
    op.mint("reporting-service")
    op.clock.advance(minutes=6)
    op.rotate_key(demo_key("RS256", generation=2))
    ax = plots.plot_key_rotation(op.key_events, op.events, now=op.clock)
    assert_now_label_is_in_sight(ax)


# --- sequence diagrams ------------------------------------------------------------------------------------


def authorization_url(op, *, state: bool = True, scope: str = "orders:read") -> tuple[str, client.PKCE]:
    meta = client.discover(op.issuer)
    pkce = client.PKCE.make()
    url = client.authorization_url(
        meta, client_id="notebook-app", redirect_uri=REDIRECT, scope=scope, state="s" * 22, pkce=pkce
    )
    if not state:
        parts = urlsplit(url)
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "state"])
        url = urlunsplit(parts._replace(query=query))
    return url, pkce


def redirect_row(ax):
    (row,) = [text for text in ax.texts if text.get_text().startswith("redirect to the app")]
    return row


def test_the_redirect_to_the_app_names_what_it_carries(op):
    url, _ = authorization_url(op)
    client.login_as(url, "alice", "wonderland")
    ax = plots.plot_sequence(op.exchanges)
    assert redirect_row(ax).get_text() == "redirect to the app: code, state"


def test_a_redirect_without_state_does_not_claim_to_carry_one(op):
    url, _ = authorization_url(op, state=False)
    assert client.login_as(url, "alice", "wonderland").code
    ax = plots.plot_sequence(op.exchanges)
    assert redirect_row(ax).get_text() == "redirect to the app: code"


def test_a_redirect_carrying_an_error_names_it_in_red(op):
    url, _ = authorization_url(op)
    client.login_as(url, "alice", "wonderland", approve=False)
    ax = plots.plot_sequence(op.exchanges)
    row = redirect_row(ax)
    assert row.get_text() == "redirect to the app with an error: access_denied"
    assert same_color(row.get_color(), "tab:red")


# --- entropy and brute force ------------------------------------------------------------------------------


def test_brute_force_chart_draws_one_line_per_attacker_on_the_given_axes():
    ax = plt.figure().add_subplot()
    before = dict(matplotlib.rcParams)
    returned = plots.plot_brute_force(ax=ax)
    assert returned is ax
    assert len(ax.get_lines()) == len(ATTACKERS) + len(TOKEN_FORMATS) + 5  # curves, format markers, time marks
    assert ax.get_legend().get_texts()[0].get_text().startswith(ATTACKERS[0].name)
    assert ax.get_yscale() == "log"
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert dict(matplotlib.rcParams) == before


def test_brute_force_chart_makes_its_own_figure_without_an_axes():
    ax = plots.plot_brute_force(TOKEN_FORMATS[:2], ATTACKERS[:1])
    labels = [t.get_text() for t in ax.texts]
    assert any(TOKEN_FORMATS[0].name in label for label in labels)


def test_an_attacker_speed_is_labelled_as_it_is_not_rounded_to_a_power_of_ten():
    attackers = [Attacker("a botnet", 3e9, "three billion a second"), Attacker("one GPU", 1e10, "")]
    ax = plots.plot_brute_force(attackers=attackers)
    assert legend(ax) == ["a botnet: 3×10^9 guesses/s", "one GPU: 10^10 guesses/s"]


def test_a_secret_beyond_max_bits_is_still_drawn_with_its_label():
    huge = TokenFormat("64 random bytes", "…", 64, 256)  # 512 bits
    ax = plots.plot_brute_force([huge], max_bits=260)
    assert ax.get_xlim()[1] > huge.bits
    ax.figure.canvas.draw()
    (label,) = [text for text in ax.texts if text.get_text().startswith("64 random bytes")]
    assert ax.figure.bbox.overlaps(label.get_window_extent())


def test_the_out_of_reach_note_covers_no_secrets_label():
    ax = plots.plot_brute_force()
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    notes = [
        text
        for text in [*ax.texts, *(label for margin in ax.child_axes for label in margin.get_yticklabels())]
        if "out of reach" in text.get_text()
    ]
    assert len(notes) == 1
    note = notes[0].get_window_extent(renderer)
    secrets = [label for label in ax.texts if "bits" in label.get_text()]
    assert len(secrets) == 8
    for label in secrets:
        assert not note.overlaps(label.get_window_extent(renderer)), label.get_text()
