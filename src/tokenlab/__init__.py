"""tokenlab — learn how API tokens really work, by running them.

>>> from tokenlab import Clock, demo_key, sign, verify, decode_unverified
>>> clock = Clock.frozen()                      # time stands still until you move it
>>> key = demo_key("RS256")                     # fixed, public demo key
>>> token = sign({"sub": "alice", "aud": "api", "exp": clock.timestamp() + 300}, key)
>>> decode_unverified(token, clock=clock).claims["sub"]   # anyone can read a JWT
'alice'
>>> verify(token, key, algorithms=["RS256"], audience="api", clock=clock)["sub"]
'alice'

The mock provider and a client for it, over real HTTP on 127.0.0.1:

>>> from tokenlab import Client, MockProvider
>>> with MockProvider(clock=clock) as op, Client(op.issuer, "reporting-service", "reporting-secret-3c9e7a1f5d2b8046") as app:
...     app.fetch_token()["token_type"]
'Bearer'

``import tokenlab`` is cheap: each name is imported from its module on first
use, so matplotlib, ipywidgets and the provider load only when a notebook asks.
Exported here are the toolkit's main objects; the helpers one lesson needs
(``tokenlab.plots``, ``tokenlab.entropy``, ``tokenlab.signing``,
``tokenlab.redact``, the deliberately naive ``tokenlab.attacks``, …) stay in
their modules, where their names say which part of the course they serve.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Clock": "tokenlab.clock",
    "DEMO_START": "tokenlab.clock",
    "TokenLabError": "tokenlab.errors",
    "TokenFormatError": "tokenlab.errors",
    "InvalidTokenError": "tokenlab.errors",
    "OAuthError": "tokenlab.errors",
    "Key": "tokenlab.keys",
    "KeySet": "tokenlab.keys",
    "as_key": "tokenlab.keys",
    "demo_key": "tokenlab.keys",
    "demo_key_set": "tokenlab.keys",
    "generate_key": "tokenlab.keys",
    "RemoteKeySet": "tokenlab.jwks_cache",
    "Client": "tokenlab.client",
    "MockProvider": "tokenlab.provider",
    "DecodedToken": "tokenlab.tokens",
    "decode_unverified": "tokenlab.tokens",
    "sign": "tokenlab.tokens",
    "verify": "tokenlab.tokens",
    "FlowInspector": "tokenlab.widgets",
    "RedirectCatcher": "tokenlab.widgets",
    "TimeTravel": "tokenlab.widgets",
    "TokenDecoder": "tokenlab.widgets",
}
_SUBMODULES = (
    "clock",
    "errors",
    "keys",
    "claims",
    "tokens",
    "client",
    "exercises",
    "plots",
    "entropy",
    "attacks",
)

__all__ = [
    "DEMO_START",
    "Client",
    "Clock",
    "DecodedToken",
    "FlowInspector",
    "InvalidTokenError",
    "Key",
    "KeySet",
    "MockProvider",
    "OAuthError",
    "RedirectCatcher",
    "RemoteKeySet",
    "TimeTravel",
    "TokenDecoder",
    "TokenFormatError",
    "TokenLabError",
    "as_key",
    "decode_unverified",
    "demo_key",
    "demo_key_set",
    "generate_key",
    "sign",
    "verify",
]  # the names in _EXPORTS; tests/test_init.py checks they agree

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.client import Client
    from tokenlab.clock import DEMO_START, Clock
    from tokenlab.errors import InvalidTokenError, OAuthError, TokenFormatError, TokenLabError
    from tokenlab.jwks_cache import RemoteKeySet
    from tokenlab.keys import Key, KeySet, as_key, demo_key, demo_key_set, generate_key
    from tokenlab.provider import MockProvider
    from tokenlab.tokens import DecodedToken, decode_unverified, sign, verify
    from tokenlab.widgets import FlowInspector, RedirectCatcher, TimeTravel, TokenDecoder


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"tokenlab.{name}")
    raise AttributeError(f"module 'tokenlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_SUBMODULES])
