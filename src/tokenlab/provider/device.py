"""Device authorization grant (RFC 8628).

(In progress: the endpoints are filled in by the device-flow work.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokenlab.errors import UnsupportedGrantTypeError

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig


def redeem_device_code(app: ProviderApp, client: ClientConfig, params: dict[str, str], now: int) -> dict[str, Any]:
    raise UnsupportedGrantTypeError("The device grant is not available yet.")
