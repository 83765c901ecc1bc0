"""Pictures that teach: matplotlib helpers.

Each function takes ``ax=None`` (a new figure when missing), draws on it, and
returns the Axes; none changes matplotlib's global settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

from tokenlab.entropy import (
    AGE_OF_UNIVERSE_YEARS,
    ATTACKERS,
    SECONDS_PER_YEAR,
    TOKEN_FORMATS,
    Attacker,
    TokenFormat,
    expected_guess_seconds,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_brute_force"]


def _rate(per_second: float) -> str:
    """10, 10,000, 10^10: a guessing speed as people write it."""
    return f"{per_second:,.0f}" if per_second < 1e6 else f"10^{len(str(int(per_second))) - 1}"


_TIME_MARKS = (
    (1.0, "1 second"),
    (86400.0, "1 day"),
    (SECONDS_PER_YEAR, "1 year"),
    (1000 * SECONDS_PER_YEAR, "1,000 years"),
    (AGE_OF_UNIVERSE_YEARS * SECONDS_PER_YEAR, "age of the universe"),
)


def plot_brute_force(
    formats: Sequence[TokenFormat] = TOKEN_FORMATS,
    attackers: Sequence[Attacker] = ATTACKERS,
    *,
    max_bits: float = 260,
    ax: Axes | None = None,
) -> Axes:
    """Expected time to guess a secret against its entropy, one line per attacker speed.

    The y axis is logarithmic: each step of 10 bits multiplies the time by
    about a thousand. Vertical lines mark the secrets in ``formats``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
    bottom, top = 1e-6, 1e30
    bits = [b / 2 for b in range(0, int(max_bits * 2) + 1)]
    for attacker in attackers:
        seconds = [expected_guess_seconds(bits=b, guesses_per_second=attacker.guesses_per_second) for b in bits]
        ax.plot(bits, seconds, linewidth=2, label=f"{attacker.name}: {_rate(attacker.guesses_per_second)} guesses/s")
    ax.set_yscale("log")
    ax.set_ylim(bottom, top)
    ax.set_xlim(0, max_bits)
    universe = AGE_OF_UNIVERSE_YEARS * SECONDS_PER_YEAR
    ax.axhspan(universe, top, color="tab:green", alpha=0.08)
    ax.text(
        max_bits - 4,
        universe * 30,
        "out of reach: longer than the universe has existed",
        ha="right",
        fontsize=8,
        color="darkgreen",
    )
    for seconds, _ in _TIME_MARKS:
        ax.axhline(seconds, color="0.6", linewidth=0.8, linestyle=":")
    marks = ax.secondary_yaxis("right")
    marks.set_yticks([seconds for seconds, _ in _TIME_MARKS], labels=[label for _, label in _TIME_MARKS])
    marks.minorticks_off()
    marks.tick_params(labelsize=8)
    for number, fmt in enumerate(sorted(formats, key=lambda f: f.bits)):
        ax.axvline(fmt.bits, color="0.45", linewidth=0.8, alpha=0.7)
        ax.annotate(
            f"{fmt.name} · {fmt.bits:.0f} bits",
            (fmt.bits, top),
            xytext=(-3, -4 - 70 * (number % 2)),
            textcoords="offset points",
            rotation=90,
            fontsize=8,
            ha="right",
            va="top",
        )
    ax.set_xlabel("entropy of the secret (bits)")
    ax.set_ylabel("expected time to guess it (seconds, log scale)")
    ax.set_title("Brute force: every 10 bits of entropy multiply the attacker's work by about 1,000")
    ax.legend(loc="lower right", fontsize=8, title="attacker", title_fontsize=8, framealpha=0.95)
    return ax
