"""Checks for the exercise of notebook 14 (Attack lab): harden a copy of the naive verifier."""

from __future__ import annotations

from typing import Any

from tokenlab.exercises._feedback import Feedback, is_stub

__all__ = ["check_hardened_verifier", "naive_verifier_source"]


def naive_verifier_source() -> str:
    """The naive verifier's code, renamed ``my_verify``, with its imports: paste it into a cell and fix it."""
    from tokenlab.attacks.naive import naive_verifier_source as source

    return source("my_verify")


def check_hardened_verifier(verify: Any) -> Feedback:
    """Exercise 14.1: every attack of the lab fails against ``verify(token, key)``, and a genuine token passes.

    The attacks are those of :func:`tokenlab.attacks.verifier_attacks`, made
    afresh at the real time; refusing means raising an exception (any) or
    returning ``None``.
    """
    name = "Exercise 14.1 (harden the naive verifier)"
    if not callable(verify) or is_stub(verify):
        return Feedback.unanswered(name, "your copy of the verifier, def my_verify(token, key): ...")
    from tokenlab.attacks.lab import FAMILIES, run_attacks

    report = run_attacks(verify)
    if not report.genuine_accepted:
        return Feedback.not_yet(
            name,
            f"a genuine access token from the provider must still pass, but {report.genuine_problem}.",
            "a verifier that refuses everything is safe and useless: it must return the claims of an unexpired "
            "RS256 token for demo-api, signed by the provider's key (the key argument), checked at the real time.",
        )
    through = report.succeeded
    if through:
        families = list(dict.fromkeys(outcome.attack.family for outcome in through))
        hints = [f"{FAMILIES[f].title} — the rule: {FAMILIES[f].rule} ({FAMILIES[f].source})." for f in families]
        names = "; ".join(outcome.attack.name for outcome in through)
        return Feedback.not_yet(
            name, f"{len(through)} of {len(report.outcomes)} attacks still get through: {names}.", *hints
        )
    return Feedback.solved(
        name,
        f"all {len(report.outcomes)} attacks fail and the genuine token passes: the verifier, not the token, "
        "now decides the algorithm, the key and what a valid token looks like.",
    )
