"""The mock OAuth 2.0 / OpenID Connect provider: a WSGI app served on 127.0.0.1 in the learner's kernel.

Modules by concept, each citing its RFC: ``config`` (settings and demo
fixture), ``store`` (what it remembers), ``http`` (parameters, client
authentication, errors), ``issuance`` (minting tokens), ``discovery``
(RFC 8414), ``jwks`` (RFC 7517), ``token`` (RFC 6749 §3.2), ``authorize``
(§4.1), ``device`` (RFC 8628), ``recorder`` (every exchange), ``app``
(routing) and ``server`` (``MockProvider``).
"""

from tokenlab.provider.config import ClientConfig, ProviderConfig, ResourceConfig, UserConfig
from tokenlab.provider.server import MockProvider

__all__ = ["ClientConfig", "MockProvider", "ProviderConfig", "ResourceConfig", "UserConfig"]
