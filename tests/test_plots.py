"""Plot helpers draw on the Axes they are given, return it, and leave matplotlib's settings alone."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from tokenlab import plots
from tokenlab.entropy import ATTACKERS, TOKEN_FORMATS


def test_brute_force_chart_draws_one_line_per_attacker_on_the_given_axes():
    fig, ax = plt.subplots()
    before = dict(matplotlib.rcParams)
    returned = plots.plot_brute_force(ax=ax)
    assert returned is ax
    assert len(ax.get_lines()) == len(ATTACKERS) + len(TOKEN_FORMATS) + 5  # curves, format markers, time marks
    assert ax.get_legend().get_texts()[0].get_text().startswith(ATTACKERS[0].name)
    assert ax.get_yscale() == "log"
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert dict(matplotlib.rcParams) == before
    plt.close(fig)


def test_brute_force_chart_makes_its_own_figure_without_an_axes():
    ax = plots.plot_brute_force(TOKEN_FORMATS[:2], ATTACKERS[:1])
    labels = [t.get_text() for t in ax.texts]
    assert any(TOKEN_FORMATS[0].name in label for label in labels)
    plt.close(ax.figure)
