"""Pictures that teach: matplotlib helpers.

Each function takes ``ax=None`` (a new figure when missing), draws on it, and
returns the Axes; none changes matplotlib's global settings. One module per
picture: :mod:`.brute_force` (how long guessing takes), :mod:`.timeline` (token
lifetimes and signing-key rotation on one time axis), :mod:`.sequence` (who
talked to whom in a recorded flow).
"""

from __future__ import annotations

from tokenlab.plots.brute_force import plot_brute_force
from tokenlab.plots.sequence import plot_sequence
from tokenlab.plots.timeline import lane_names, plot_key_rotation, plot_token_timeline

__all__ = ["lane_names", "plot_brute_force", "plot_key_rotation", "plot_sequence", "plot_token_timeline"]
