"""How long guessing a secret takes, for each kind of token and attacker: a log-scale bar chart."""

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
    """10, 10,000, 10^10, 3×10^9: a guessing speed as people write it."""
    if per_second < 1e6:
        return f"{per_second:,.0f}"
    mantissa, exponent = f"{per_second:.1e}".split("e")
    mantissa = mantissa.removesuffix(".0")
    return f"{'' if mantissa == '1' else mantissa + '×'}10^{int(exponent)}"


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
    max_bits = max([max_bits, *(fmt.bits + 4 for fmt in formats)])  # every secret asked for is drawn
    ax.set_xlim(0, max_bits)
    universe = AGE_OF_UNIVERSE_YEARS * SECONDS_PER_YEAR
    ax.axhspan(universe, top, color="tab:green", alpha=0.08)
    for seconds, _ in _TIME_MARKS:
        ax.axhline(seconds, color="0.6", linewidth=0.8, linestyle=":")
    marks = ax.secondary_yaxis("right")
    out_of_reach = (universe * top) ** 0.5  # the shaded band's middle, in the margin where no secret's label runs
    marks.set_yticks(
        [seconds for seconds, _ in _TIME_MARKS] + [out_of_reach],
        labels=[label for _, label in _TIME_MARKS] + ["out of reach:\nlonger than the\nuniverse has existed"],
    )
    marks.get_yticklabels()[-1].set_color("darkgreen")
    marks.get_yticklabels()[-1].set_gid("out_of_reach")
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
