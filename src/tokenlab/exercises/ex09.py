"""Checks for the exercises of notebook 09 (Refresh tokens and rotation)."""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Mapping
from typing import Any

from tokenlab.exercises._feedback import Feedback, is_stub, is_unanswered, run_learner_code

__all__ = ["DEVICE_STORY", "DEVICE_TOKENS", "check_still_usable", "check_store_tokens"]


# --- Exercise 9.1: the client's bookkeeping after a refresh ------------------------------------------

_FIRST_SAVED = {"access_token": "AT1", "refresh_token": "RT1", "token_type": "Bearer", "scope": "orders:read"}
_REFRESHES = (
    # (the refresh response, what the step is about); each step starts from what the learner's function returned
    (
        {"access_token": "AT2", "token_type": "Bearer", "expires_in": 600, "refresh_token": "RT2"},
        "at the first refresh (the response brings a new refresh token)",
    ),
    (
        {"access_token": "AT3", "token_type": "Bearer", "expires_in": 600, "scope": "orders:read"},
        "at the second refresh (the response has no refresh_token)",
    ),
    (
        {"access_token": "AT4", "token_type": "Bearer", "expires_in": 300, "refresh_token": "RT4"},
        "at the third refresh (a new refresh token again)",
    ),
)
_KEEP_THE_OLD_ONE = (
    "RFC 6749 §6: the server MAY issue a new refresh token; when the response has none, what will the app "
    "send the next time its access token expires?"
)
_DROP_THE_OLD_ONE = (
    "RFC 6749 §6: when the response has a new refresh token, the client MUST discard the old one; on a server "
    "that rotates, the old one no longer works, and presenting it again looks like theft (RFC 9700 §4.14.2)."
)


def check_store_tokens(store_tokens: Any) -> Feedback:
    """Exercise 9.1: ``store_tokens(saved, response)`` returns the tokens a client keeps after a refresh.

    Three refreshes in a row: each starts from what the function returned the time before.
    """
    name = "Exercise 9.1 (keep the right tokens)"
    try:
        return _check_store_tokens(name, store_tokens)
    except Exception as exc:  # an odd object from the learner must become feedback, never a traceback
        return Feedback.not_yet(name, f"what your function returned could not be read as a dict ({exc!r}).")


def _check_store_tokens(name: str, store_tokens: Any) -> Feedback:
    if not callable(store_tokens) or is_stub(store_tokens):
        return Feedback.unanswered(name, "a function store_tokens(saved, response) that returns a dict")
    saved: Any = _FIRST_SAVED
    expected_refresh = _FIRST_SAVED["refresh_token"]
    for right, (response, about) in enumerate(_REFRESHES):
        expected_refresh = response.get("refresh_token", expected_refresh)
        saved_copy, response_copy = copy.deepcopy(saved), copy.deepcopy(response)
        answer, problem = run_learner_code(store_tokens, saved_copy, response_copy)
        so_far = f"{right} of {len(_REFRESHES)} refreshes right; {about}"
        if problem is not None:
            hint = (
                _KEEP_THE_OLD_ONE
                if "refresh_token" not in response and "KeyError" in problem
                else "both arguments are plain dicts of str keys, as the token endpoint's JSON is."
            )
            return Feedback.not_yet(name, f"{so_far}, {problem}.", hint)
        if saved_copy != saved or response_copy != response:
            changed = "saved" if saved_copy != saved else "response"
            return Feedback.not_yet(
                name,
                f"{so_far}, your function changed {changed}.",
                "build and return a new dict: the app replaces what it has stored with your result in one step, "
                "so a failure halfway can never leave it with a mix of old and new.",
            )
        if not isinstance(answer, Mapping):
            return Feedback.not_yet(
                name,
                f"{so_far}, it returned {answer!r}.",
                "return a dict with the access_token and the refresh_token the app should keep.",
            )
        if answer.get("access_token") != response["access_token"]:
            return Feedback.not_yet(
                name,
                f"{so_far}, the access token it keeps is {answer.get('access_token')!r}.",
                "the app refreshed because its access token had expired or was about to: which one works now?",
            )
        kept = answer.get("refresh_token")
        if kept != expected_refresh:
            lost = "it loses the refresh token" if kept is None else f"the refresh token it keeps is {kept!r}"
            hint = _DROP_THE_OLD_ONE if "refresh_token" in response else _KEEP_THE_OLD_ONE
            return Feedback.not_yet(name, f"{so_far}, {lost}.", hint)
        saved = answer
    return Feedback.solved(
        name,
        f"all {len(_REFRESHES)} refreshes right: always the new access token, the new refresh token when there "
        "is one, and the old one only when the server did not send another.",
    )


# --- Exercise 9.2: predict what survives ---------------------------------------------------------------

DEVICE_STORY = (
    ("09:00", "Alice logs in to the Notebook App on her laptop (laptop AT1, laptop RT1)"),
    ("09:00", "and on her tablet (tablet AT1, tablet RT1). The tablet then stays in a drawer."),
    ("09:01", "Malware on the laptop copies laptop RT1 and sends it to an attacker."),
    ("09:56", "The laptop's app refreshes with laptop RT1 and gets laptop AT2 and laptop RT2."),
    ("09:58", "The attacker tries laptop RT1."),
    ("10:00", "Alice logs in on her phone too (phone AT1, phone RT1)."),
    ("10:03", "Which of the tokens below still work?"),
)
"""The story of exercise 9.2, as (time on the course clock, what happens)."""

DEVICE_TOKENS = ("laptop AT2", "laptop RT2", "tablet RT1", "phone AT1", "phone RT1")
"""The tokens whose fate exercise 9.2 asks about."""

# One hint per rule the story exercises. Every wrong answer gets all three, whichever tokens are wrong: the answers
# are True or False, so a hint picked by the wrong token (say, the idle rule, which only tablet RT1 exercises)
# would say which token to flip, and that is the answer.
_RULE_HINTS = {
    "family": "expiry ends a token at its exp, and rotation ends the refresh token that was used; but when a "
    "refresh token the provider already rotated comes back, tokenlab's provider revokes the whole grant that "
    "token was issued under (RFC 9700 §4.14.2 asks at least for the active refresh token). Which tokens were "
    "issued under that grant?",
    "idle": "a refresh token has two lifetimes here: 8 hours from the login, and 1 hour from its last use "
    "(RFC 9700 §4.14.2: refresh tokens SHOULD expire when the client has been inactive for some time). Check each refresh "
    "token against both at 10:03.",
    "grant": "a family is the tokens of one grant, and every login starts a grant of its own. Which grant was "
    "each token issued under, and which grant did the reuse at 09:58 revoke?",
}


@functools.cache
def _device_story_outcome() -> dict[str, bool]:
    """Play DEVICE_STORY on a provider of its own and report which tokens the provider still honours.

    An access token works if the demo API accepts it; a refresh token works if the provider would trade it
    for new tokens (unused, within both lifetimes, its grant alive), looked up without using it up.
    """
    import requests

    from tokenlab import client
    from tokenlab.errors import OAuthError
    from tokenlab.provider import MockProvider

    app = {"client_id": "notebook-app"}
    with MockProvider() as op, requests.Session() as http:
        meta = client.discover(op.issuer, session=http)
        laptop = op.mint("notebook-app", "alice", scope="orders:read")  # 09:00
        tablet = op.mint("notebook-app", "alice", scope="orders:read")
        stolen = laptop["refresh_token"]  # 09:01
        op.clock.advance(minutes=56)  # 09:56
        laptop = client.refresh(meta, laptop["refresh_token"], **app, session=http)
        op.clock.advance(minutes=2)  # 09:58
        with contextlib.suppress(OAuthError):  # reuse: the provider revokes the laptop's grant
            client.refresh(meta, stolen, **app, session=http)
        op.clock.advance(minutes=2)  # 10:00
        phone = op.mint("notebook-app", "alice", scope="orders:read")
        op.clock.advance(minutes=3)  # 10:03

        def access_works(token: str) -> bool:
            return client.call_api(op.url("/api/orders"), token, session=http).status_code == 200

        def refresh_works(token: str) -> bool:
            return op.store.tokens.live_refresh(token, op.clock.timestamp()) is not None

        return {
            "laptop AT2": access_works(laptop["access_token"]),
            "laptop RT2": refresh_works(laptop["refresh_token"]),
            "tablet RT1": refresh_works(tablet["refresh_token"]),
            "phone AT1": access_works(phone["access_token"]),
            "phone RT1": refresh_works(phone["refresh_token"]),
        }


def check_still_usable(prediction: Any) -> Feedback:
    """Exercise 9.2: for each token of DEVICE_STORY, does it still work at 10:03?

    The answer is not stored here: the check replays the story on a provider of its own and compares.
    """
    name = "Exercise 9.2 (what survives?)"
    try:
        return _check_still_usable(name, prediction)
    except Exception as exc:  # an odd object from the learner must become feedback, never a traceback
        return Feedback.not_yet(name, f"your answer could not be read as a dict of True and False ({exc!r}).")


def _check_still_usable(name: str, prediction: Any) -> Feedback:
    if is_unanswered(prediction) or (
        isinstance(prediction, Mapping) and all(is_unanswered(prediction.get(k)) for k in DEVICE_TOKENS)
    ):
        return Feedback.unanswered(name, "True (it still works) or False for each token")
    if not isinstance(prediction, Mapping):
        return Feedback.not_yet(
            name,
            f"expected a dict, got {type(prediction).__name__}.",
            'write {"laptop AT2": ..., "laptop RT2": ..., ...} with True or False in place of each ...',
        )
    missing = [k for k in DEVICE_TOKENS if is_unanswered(prediction.get(k))]
    if missing:
        return Feedback.not_yet(name, f"answer True or False for {', '.join(missing)} too.")
    odd = [k for k in DEVICE_TOKENS if not isinstance(prediction[k], bool)]
    if odd:
        return Feedback.not_yet(name, f"{odd[0]}: answer True (it still works) or False, not {prediction[odd[0]]!r}.")
    try:
        truth = _device_story_outcome()
    except Exception as exc:  # a check never raises into the learner's notebook
        return Feedback.not_yet(
            name, f"the story could not be replayed on a provider here ({type(exc).__name__}); run the cell again."
        )
    wrong = [k for k in DEVICE_TOKENS if prediction[k] != truth[k]]
    if not wrong:
        return Feedback.solved(
            name,
            "the provider, replaying the story, agrees on all five: the reuse took down the laptop's whole family, "
            "the tablet's unused refresh token ran out of idle time, and the phone's own login was never touched.",
        )
    return Feedback.not_yet(
        name,
        f"{len(DEVICE_TOKENS) - len(wrong)} of {len(DEVICE_TOKENS)} right (the provider replayed the story to check).",
        *_RULE_HINTS.values(),
    )
