"""The mock OAuth 2.0 / OpenID Connect provider: a WSGI app served on 127.0.0.1 in the learner's kernel.

Modules by concept, each citing its RFC:

- ``config`` — settings and the demo fixture; ``store`` — what it remembers, in five parts over one lock (logins
  and codes, grants and tokens, devices, API keys, the token-event log; single-use things consumed atomically);
  ``http`` — parameters, client authentication (RFC 6749 §2.3), JSON errors;
- ``issuance`` — minting access tokens (RFC 9068), refresh tokens and ID tokens (OIDC Core); ``scopes`` (RFC 6749 §3.3);
- ``discovery`` (RFC 8414, OIDC Discovery), ``jwks`` (RFC 7517), ``authorize``, ``authorization_response`` and ``pages``
  (RFC 6749 §4.1, RFC 7636, RFC 9700, RFC 9207), ``token`` (RFC 6749 §3.2), ``device`` (RFC 8628), ``revocation`` (RFC 7009), ``introspection``
  (RFC 7662), ``bearer``, ``resource`` and ``userinfo`` (RFC 6750, OIDC Core §5.3);
- ``recorder`` — every exchange, secrets masked; ``exchange_kinds`` — what each exchange was, who sent it, its
  section; ``app`` — routing; ``server`` — ``MockProvider``.
"""

from tokenlab.provider.config import ClientConfig, ProviderConfig, ResourceConfig, UserConfig
from tokenlab.provider.server import MockProvider

__all__ = ["ClientConfig", "MockProvider", "ProviderConfig", "ResourceConfig", "UserConfig"]
