"""tokenlab.errors: one class per OAuth wire code, one registry from code to class, whatever was imported first."""

import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tokenlab.provider
from tokenlab.errors import OAUTH_ERRORS, OAuthError, UsageError, error_class
from tokenlab.errors import core as core_errors
from tokenlab.errors import oauth as oauth_errors

WIRE_CODES = {
    "InvalidRequestError": ("invalid_request", 400, "RFC 6749 §5.2"),
    "InvalidClientError": ("invalid_client", 401, "RFC 6749 §5.2"),
    "InvalidGrantError": ("invalid_grant", 400, "RFC 6749 §5.2"),
    "UnauthorizedClientError": ("unauthorized_client", 400, "RFC 6749 §5.2"),
    "UnsupportedGrantTypeError": ("unsupported_grant_type", 400, "RFC 6749 §5.2"),
    "UnsupportedResponseTypeError": ("unsupported_response_type", 400, "RFC 6749 §4.1.2.1"),
    "InvalidScopeError": ("invalid_scope", 400, "RFC 6749 §5.2"),
    "AccessDeniedError": ("access_denied", 400, "RFC 6749 §4.1.2.1"),
    "ServerError": ("server_error", 500, "RFC 6749 §4.1.2.1"),
    "AuthorizationPendingError": ("authorization_pending", 400, "RFC 8628 §3.5"),
    "SlowDownError": ("slow_down", 400, "RFC 8628 §3.5"),
    "DeviceCodeExpiredError": ("expired_token", 400, "RFC 8628 §3.5"),
    "LoginRequiredError": ("login_required", 400, "OIDC Core §3.1.2.6"),
    "ConsentRequiredError": ("consent_required", 400, "OIDC Core §3.1.2.6"),
    "RequestNotSupportedError": ("request_not_supported", 400, "OIDC Core §3.1.2.6"),
    "RequestUriNotSupportedError": ("request_uri_not_supported", 400, "OIDC Core §3.1.2.6"),
    "InvalidAccessTokenError": ("invalid_token", 401, "RFC 6750 §3.1"),
    "InsufficientScopeError": ("insufficient_scope", 403, "RFC 6750 §3.1"),
}


def _every_oauth_error_class() -> list[type[OAuthError]]:
    """Every OAuthError subclass that exists once the whole provider package is imported."""
    for module in pkgutil.walk_packages(tokenlab.provider.__path__, "tokenlab.provider."):
        importlib.import_module(module.name)
    found, pending = [], [OAuthError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [cls for cls in found if not cls.__module__.startswith("tests.")]


def test_the_registry_is_exactly_the_pinned_table_of_codes_statuses_and_sections():
    assert {cls.__name__: (code, cls.status_code, cls.defined_in) for code, cls in OAUTH_ERRORS.items()} == WIRE_CODES


@pytest.mark.parametrize(("name", "wire"), WIRE_CODES.items())
def test_each_registered_class_carries_its_code_and_an_instance_says_it(name, wire):
    cls = getattr(oauth_errors, name)
    assert OAUTH_ERRORS[wire[0]] is cls
    assert re.fullmatch(r"[a-z_]+", cls.error)
    assert cls().error == wire[0]
    assert str(cls("why")) == f"{wire[0]}: why"


def test_no_provider_module_defines_an_oauth_error_of_its_own():
    classes = _every_oauth_error_class()
    assert len(classes) > len(OAUTH_ERRORS)
    strays = [f"{cls.__module__}.{cls.__name__}" for cls in classes if cls.__module__ != "tokenlab.errors"]
    assert strays == []


def test_every_code_the_provider_can_raise_maps_back_to_its_class_or_the_class_it_specialises():
    coded = [cls for cls in _every_oauth_error_class() if cls.error and cls is not OAuthError]
    assert coded
    for cls in coded:
        registered = error_class(cls.error)
        assert registered is not OAuthError, f"{cls.__name__}: {cls.error!r} is not in the registry"
        assert issubclass(cls, registered) or issubclass(registered, cls), cls.__name__


NOT_OAUTH_CODES = {"not_found": "the provider's 404 for a path it does not serve; no RFC defines an OAuth code for it"}


def test_every_error_code_the_provider_writes_by_hand_is_registered_or_named_as_not_an_oauth_code():
    provider_source = Path(tokenlab.provider.__file__).parent
    written = {
        code
        for path in provider_source.glob("*.py")
        for code in re.findall(r'"error": "([a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert "invalid_request" in written
    assert sorted(written - set(OAUTH_ERRORS) - set(NOT_OAUTH_CODES)) == []


def test_an_unknown_code_gives_the_root_class():
    assert error_class("not_found") is OAuthError
    assert error_class("") is OAuthError


def test_the_registry_cannot_be_changed_from_outside():
    with pytest.raises(TypeError):
        OAUTH_ERRORS["invalid_grant"] = OAuthError  # type: ignore[index]


def test_two_classes_claiming_one_code_are_refused_when_the_registry_is_built():
    class Rival(OAuthError):
        """A second class for invalid_grant."""

        error = "invalid_grant"

    with pytest.raises(UsageError, match="'invalid_grant'"):
        oauth_errors._by_code(oauth_errors.InvalidGrantError, Rival)


def test_every_oauth_error_class_has_a_docstring_citing_the_spec_that_defines_its_code():
    for cls in _every_oauth_error_class():
        if cls.__module__ != "tokenlab.errors":
            continue
        assert cls.__doc__ and re.search(r"\((?:RFC \d{4}|OIDC Core) §", cls.__doc__), cls.__name__
        assert re.fullmatch(r"(?:RFC \d{4}|OIDC Core) §\d+(?:\.\d+)*", cls.defined_in), cls.__name__


def test_the_bearer_challenge_quotes_only_header_safe_text():
    err = oauth_errors.InsufficientScopeError('needs "orders:read" — RFC 6750 §3.1', scope="orders:read")
    assert err.challenge() == (
        'Bearer realm="tokenlab", error="insufficient_scope", '
        'error_description="needs orders:read  RFC 6750 section 3.1", scope="orders:read"'
    )
    assert oauth_errors.NoTokenError().challenge() == 'Bearer realm="tokenlab"'


_FRESH = """
import json, sys
import requests
from tokenlab import client
answer = requests.Response()
answer.status_code = 400
answer._content = json.dumps({"error": sys.argv[1], "error_description": "wait"}).encode()
try:
    client._json(answer)
except Exception as err:
    caught = type(err).__name__
print(json.dumps({"caught": caught, "provider_loaded": "tokenlab.provider" in sys.modules}))
"""


@pytest.mark.parametrize("code", ["authorization_pending", "slow_down", "login_required", "insufficient_scope"])
def test_the_class_a_client_raises_does_not_depend_on_whether_the_provider_was_imported(code, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", _FRESH, code], capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"caught": OAUTH_ERRORS[code].__name__, "provider_loaded": False}


def test_the_module_lists_what_it_defines():
    defined = {
        name
        for name, value in vars(oauth_errors).items()
        if inspect.isclass(value) and value.__module__ == "tokenlab.errors" and name not in core_errors.__all__
    }
    assert defined and defined <= set(oauth_errors.__all__)
