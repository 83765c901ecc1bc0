"""Every error tokenlab raises, under one root: :class:`TokenLabError`.

The families, each answering a different question:

- :class:`TokenFormatError` — "this is not a token at all" (cannot be split,
  decoded or parsed; RFC 7519 §7.2).
- :class:`InvalidTokenError` — "this is a token, and it must not be trusted".
  One subclass per failure, named after what happened, carrying the claim or
  header parameter at fault and a one-sentence ``lesson``.
- :class:`OAuthError` — an OAuth 2.0 error response, with the RFC wire code as
  the class attribute ``error`` (RFC 6749 §5.2, RFC 6750 §3.1, …). They and the one
  registry from code to class, :data:`OAUTH_ERRORS`, live in
  :mod:`tokenlab.errors.oauth`.
- :class:`SignatureRejectedError` — "this signed request must not be trusted"
  (RFC 9421 §3.2). One subclass per failure, each with a wire code ``error``,
  the ``component`` at fault and a one-sentence ``lesson``.

A learner never needs to read a traceback from inside PyJWT or cryptography:
``str(err)`` says what went wrong and what it means.
"""

from tokenlab.errors import core, oauth
from tokenlab.errors.core import *  # noqa: F403
from tokenlab.errors.oauth import *  # noqa: F403

__all__ = [*core.__all__, *oauth.__all__]

# A traceback names an error by its public home, tokenlab.errors.TokenExpiredError, the name a learner imports.
for _name in __all__:
    if isinstance(globals()[_name], type):
        globals()[_name].__module__ = __name__
del _name
