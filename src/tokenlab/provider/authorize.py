"""The authorization endpoint (RFC 6749 §4.1.1) and the code grant at the token endpoint (§4.1.3, RFC 7636 §4.6).

(In progress: the endpoint is filled in by the authorization-code work.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokenlab.errors import UnsupportedGrantTypeError

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig


def redeem_code(app: ProviderApp, client: ClientConfig, params: dict[str, str], now: int) -> dict[str, Any]:
    raise UnsupportedGrantTypeError("The authorization code grant is not available yet.")
