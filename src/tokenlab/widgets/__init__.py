"""Interactive widgets for the notebooks: thin ipywidgets views over tokenlab's plain functions.

- :class:`TokenDecoder` — paste a token: coloured parts, claims with their meaning and times,
  warnings, and a verdict that keeps *decoded* and *verified* apart; tamper mode.
- :class:`FlowInspector` — a provider's recorded HTTP exchanges, raw HTTP on selection, tokens
  opened in a decoder.
- :class:`TimeTravel` — buttons and a slider that move the shared clock; decoders and timelines
  on the same clock follow.
- :class:`RedirectCatcher` — paste the address the browser landed on after a login: the app's checks
  (``state``, ``iss``), the code redeemed with the PKCE verifier, the tokens verified and shown.

Each is a composite (``VBox``) with private children; its logic lives in plain functions
(:mod:`~tokenlab.widgets.analysis`, :mod:`~tokenlab.widgets.render`) and it never calls
``display()`` itself: a notebook shows it by ending a cell with it. Tests set ``.value`` and read
the HTML children's ``.value``. Only the redirect catcher touches the network, because redeeming a
code is an HTTP request to the token endpoint; a decoder verifies against a ``MockProvider`` by
reading its key set in-process.
"""

from tokenlab.widgets.decoder import TokenDecoder
from tokenlab.widgets.inspector import FlowInspector
from tokenlab.widgets.redirect import RedirectCatcher
from tokenlab.widgets.timetravel import TimelineView, TimeTravel

__all__ = ["FlowInspector", "RedirectCatcher", "TimeTravel", "TimelineView", "TokenDecoder"]
