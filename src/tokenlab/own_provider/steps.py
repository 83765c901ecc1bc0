"""The steps of lessons 05, 06, 10 and 11 on your own provider, each citing the rule it shows.

Each step takes the run's ``Flow`` and returns one sentence saying what happened; it raises ``Skip`` when a
setting or an endpoint is missing, and lets tokenlab's errors through for ``run_lesson`` to report.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from tokenlab import client
from tokenlab.errors import InvalidClientError, InvalidGrantError, OAuthError, TokenLabError
from tokenlab.own_provider.flow import Flow, Skip, refused, token_shape
from tokenlab.provider.issuance import at_hash  # the hash rule of OIDC Core §3.1.3.6
from tokenlab.tokens import decode_unverified


def _discover(flow: Flow) -> str:
    meta = client.discover(flow.provider.issuer, session=flow.http)
    flow.values["meta"] = meta
    endpoints = ("authorization", "token", "introspection", "revocation", "userinfo")
    found = ", ".join(name for name in endpoints if meta.get(f"{name}_endpoint")) or "none"
    return f"the issuer matches; endpoints: {found}; keys at {meta.get('jwks_uri', '— (no jwks_uri!)')}"


def _client_credentials(flow: Flow) -> str:
    p = flow.provider
    extra = {"resource": p.resource} if p.resource else {}
    token = client.fetch_token(
        flow.need("meta", "discovery did not succeed"), **flow.machine(), scope=p.scope, session=flow.http, **extra
    )
    flow.values["machine_token"] = token
    return f"{token.get('token_type')} token, expires_in {token.get('expires_in')}, scope {token.get('scope', '—')}"


def _machine_token_shape(flow: Flow) -> str:
    return token_shape(flow.need("machine_token", "no token from the previous step")["access_token"])


def _verify_machine_token(flow: Flow) -> str:
    token = flow.need("machine_token", "no token from the client-credentials step")["access_token"]
    if token.count(".") != 2:
        raise Skip("the token is opaque: an API cannot verify it alone; it asks the provider (lesson 10)")
    audience = flow.provider.expected_audience
    if not audience:
        raise Skip("set TOKENLAB_AUDIENCE to the aud your API expects: an API checks aud is its own (RFC 9068 §4)")
    keys = flow.verifier()
    claims = keys.verify(token, algorithms=flow.algorithms(), audience=audience, issuer=flow.values["meta"]["issuer"])
    return f"signature, iss, aud and exp check out with the provider's JWKS; sub {claims.get('sub')!r}"


def _wrong_secret(flow: Flow) -> str:
    machine = flow.machine()
    meta = flow.need("meta", "discovery did not succeed")
    wrong = {**machine, "client_secret": machine["client_secret"] + "-wrong"}
    return refused(lambda: client.fetch_token(meta, **wrong, session=flow.http), InvalidClientError, "RFC 6749 §5.2")


def _pkce_advertised(flow: Flow) -> str:
    methods = flow.need("meta", "discovery did not succeed").get("code_challenge_methods_supported") or []
    if "S256" not in methods:
        return f"code_challenge_methods_supported is {methods or 'missing'}: PKCE may still work, but S256 is not advertised (RFC 8414 §2)"
    return "S256 is advertised (RFC 7636 §4.2)"


def _log_in(flow: Flow) -> str:
    code, pkce, params = flow.log_in(nonce=secrets.token_urlsafe(16))
    flow.values |= {"code": code, "pkce": pkce}
    iss = params.get("iss")
    if iss is not None and iss != flow.values["meta"]["issuer"]:
        raise OAuthError(f"the redirect's iss {iss!r} is not the issuer: a mix-up attack (RFC 9207 §2.4)")
    return (
        f"the login form was filled, state came back unchanged, a code arrived{' with iss (RFC 9207)' if iss else ''}"
    )


def _wrong_verifier(flow: Flow) -> str:
    code, _, _ = flow.log_in(nonce=secrets.token_urlsafe(16))  # a second code: the first stays good for step 5
    return refused(lambda: flow.exchange(code, client.PKCE.make()), InvalidGrantError, "RFC 7636 §4.6")


def _exchange(flow: Flow) -> str:
    code = flow.need("code", "no code from the login step")
    tokens = flow.exchange(code, flow.values["pkce"])
    flow.values["tokens"] = tokens
    kinds = [name for name in ("access_token", "id_token", "refresh_token") if name in tokens]
    return f"{', '.join(kinds)} came back"


def _second_redemption(flow: Flow) -> str:
    code = flow.need("code", "no code from the login step")
    flow.need("tokens", "the code was not redeemed")
    return refused(lambda: flow.exchange(code, flow.values["pkce"]), InvalidGrantError, "RFC 6749 §4.1.2")


def _tokens_to_revoke(flow: Flow) -> str:
    if flow.provider.can_log_in:
        code, pkce, _ = flow.log_in(nonce=secrets.token_urlsafe(16))
        flow.values["tokens"] = flow.exchange(code, pkce)
        flow.values["owner"] = flow.login_client()
        how = "from a login (code + PKCE)"
    else:
        _client_credentials(flow)
        flow.values["tokens"] = flow.values["machine_token"]
        flow.values["owner"] = flow.machine()
        how = "by client credentials"
    return f"tokens {how}; the access token is {token_shape(flow.values['tokens']['access_token'])}"


def _introspect(flow: Flow, *, expect_active: bool) -> str:
    url = flow.endpoint("introspection_endpoint", "RFC 8414 §2, RFC 7662")
    access = flow.need("tokens", "no token to ask about")["access_token"]
    caller = flow.values.get("owner") or flow.machine()  # the client the token was issued to (RFC 7662 §4)
    if not caller.get("client_secret"):
        caller = flow.machine()  # a public client cannot authenticate (RFC 7662 §2.1): the machine client asks
    answer = client.introspect({"introspection_endpoint": url}, access, **caller, session=flow.http)
    if answer.get("active") is not expect_active:
        raise OAuthError(
            f"introspection says active={answer.get('active')!r}, expected {expect_active} (RFC 7662 §2.2)"
        )
    if not expect_active:
        return "active: false, and nothing else: an inactive token reveals nothing (RFC 7662 §2.2)"
    shown = {k: answer[k] for k in ("sub", "client_id", "scope", "exp") if k in answer}
    return f"active: true, {shown}"


def _revoke_access(flow: Flow) -> str:
    url = flow.endpoint("revocation_endpoint", "RFC 8414 §2, RFC 7009")
    access = flow.need("tokens", "no token to revoke")["access_token"]
    owner = flow.values["owner"]
    client.revoke({"revocation_endpoint": url}, access, **owner, token_type_hint="access_token", session=flow.http)
    flow.values["revoked"] = True
    return "200: the provider forgot it (RFC 7009 §2.2)"


def _offline_after_revocation(flow: Flow) -> str:
    flow.need("revoked", "the token was not revoked")
    access = flow.values["tokens"]["access_token"]
    if access.count(".") != 2:
        return "the token is opaque: every API must ask the provider, so revocation reaches all of them at once"
    audience = flow.provider.expected_audience
    if not audience:
        raise Skip("set TOKENLAB_AUDIENCE to see whether an API that only checks signatures still accepts it")
    try:
        flow.verifier().verify(access, algorithms=flow.algorithms(), audience=audience, issuer=flow.provider.issuer)
    except TokenLabError as err:
        return f"an offline check refuses it too: {err}"
    return "an API that only checks the signature still ACCEPTS it until exp: revocation reaches only those who ask"


def _revoke_refresh(flow: Flow) -> str:
    url = flow.endpoint("revocation_endpoint", "RFC 8414 §2, RFC 7009")
    refresh_token = flow.need("tokens", "no tokens").get("refresh_token")
    if not refresh_token:
        raise Skip("the provider gave no refresh token (ask for it as the provider documents, e.g. offline_access)")
    owner = flow.values["owner"]
    client.revoke({"revocation_endpoint": url}, refresh_token, **owner, token_type_hint="refresh_token")
    meta = flow.values["meta"]
    again = refused(
        lambda: client.refresh(meta, refresh_token, **owner, session=flow.http), InvalidGrantError, "RFC 7009 §2.1"
    )
    return f"revoked; using it again was {again}"


def _oidc_log_in(flow: Flow) -> str:
    if "openid" not in flow.provider.login_scope.split():
        raise Skip("TOKENLAB_LOGIN_SCOPE must include openid for an ID token (OIDC Core §3.1.2.1)")
    nonce = secrets.token_urlsafe(16)
    code, pkce, _ = flow.log_in(nonce=nonce)
    tokens = flow.exchange(code, pkce)
    if "id_token" not in tokens:
        raise OAuthError("no id_token in the token response, though the scope has openid (OIDC Core §3.1.3.3)")
    flow.values |= {"tokens": tokens, "nonce": nonce}
    return "code + PKCE with a nonce gave an ID token and an access token"


def _validate_id_token(flow: Flow) -> str:
    tokens = flow.need("tokens", "no ID token")
    claims = flow.verifier().verify(
        tokens["id_token"],
        algorithms=flow.algorithms(),
        audience=flow.provider.login_client_id or "",
        issuer=flow.values["meta"]["issuer"],
        require=("exp", "iat", "sub"),
    )
    if claims.get("nonce") != flow.values["nonce"]:
        raise OAuthError("the ID token's nonce is not the one sent: reject it (OIDC Core §3.1.3.7)")
    alg = decode_unverified(tokens["id_token"]).header.get("alg", "RS256")
    if "at_hash" in claims and claims["at_hash"] != at_hash(tokens["access_token"], alg):
        raise OAuthError("at_hash does not match the access token (OIDC Core §3.1.3.6)")
    flow.values["id_claims"] = claims
    checked = "signature, iss, aud = your client, exp, iat, nonce" + (", at_hash" if "at_hash" in claims else "")
    return f"{checked}; sub {claims['sub']!r}"


def _swap(flow: Flow) -> str:
    """The access token offered where an ID token belongs: ``typ`` at+jwt or the audience must give it away.

    OIDC Core §3.1.3.7 does not ask an ID token for any ``typ``, and many providers send none (or ``JWT`` on access
    tokens too), so ``typ`` can refuse an RFC 9068 access token but never vouch for an ID token.
    """
    tokens = flow.need("tokens", "no tokens")
    try:
        typ = str(decode_unverified(tokens["access_token"]).header.get("typ", "")).lower().removeprefix("application/")
        if typ == "at+jwt":
            return "refused: its typ is at+jwt, an access token (RFC 9068 §2.1), never an ID token"
        flow.verifier().verify(
            tokens["access_token"],
            algorithms=flow.algorithms(),
            audience=flow.provider.login_client_id or "",
            issuer=flow.provider.issuer,
        )
    except TokenLabError as err:
        return f"refused ({type(err).__name__}): an ID token is for the app, an access token for the API"
    return "the access token passed as an ID token here: check aud (and azp) more strictly (OIDC Core §3.1.3.7)"


def _userinfo(flow: Flow) -> str:
    url = flow.endpoint("userinfo_endpoint", "OIDC Discovery §3")
    tokens, claims = flow.need("tokens", "no access token"), flow.need("id_claims", "the ID token was not validated")
    response = client.call_api(url, tokens["access_token"], session=flow.http)
    if response.status_code != 200:
        raise OAuthError(f"userinfo answered {response.status_code}: {response.headers.get('WWW-Authenticate', '')}")
    info = response.json()
    if info.get("sub") != claims["sub"]:
        raise OAuthError("userinfo's sub differs from the ID token's: the app must not use it (OIDC Core §5.3.2)")
    return f"the same sub as the ID token (OIDC Core §5.3.2); claims: {sorted(info)}"


def _single_sign_on(flow: Flow) -> str:
    first = flow.need("id_claims", "no first login")
    nonce = secrets.token_urlsafe(16)
    code, pkce, _ = flow.log_in(nonce=nonce, extra="&prompt=none")  # no page may be shown (OIDC Core §3.1.2.1)
    tokens = flow.exchange(code, pkce)
    second = decode_unverified(tokens["id_token"]).claims
    when = "the same auth_time" if second.get("auth_time") == first.get("auth_time") else "its own auth_time"
    return f"prompt=none gave a code without any page: the browser's session logged the user in ({when})"


LESSONS: dict[int, tuple[str, list[tuple[str, Callable[[Flow], str]]]]] = {
    5: (
        "client credentials",
        [
            ("1. discovery", _discover),
            ("2. client credentials", _client_credentials),
            ("3. what the token is", _machine_token_shape),
            ("4. verified with the JWKS", _verify_machine_token),
            ("5. a wrong secret", _wrong_secret),
        ],
    ),
    6: (
        "authorization code with PKCE",
        [
            ("1. discovery", _discover),
            ("2. PKCE advertised", _pkce_advertised),
            ("3. log in", _log_in),
            ("4. a code with the wrong verifier", _wrong_verifier),
            ("5. code + verifier for tokens", _exchange),
            ("6. the same code again", _second_redemption),
        ],
    ),
    10: (
        "revocation and introspection",
        [
            ("1. discovery", _discover),
            ("2. tokens", _tokens_to_revoke),
            ("3. introspection", lambda flow: _introspect(flow, expect_active=True)),
            ("4. revocation", _revoke_access),
            ("5. introspection after revocation", lambda flow: _introspect(flow, expect_active=False)),
            ("6. an offline check after revocation", _offline_after_revocation),
            ("7. revoking the refresh token", _revoke_refresh),
        ],
    ),
    11: (
        "OpenID Connect",
        [
            ("1. discovery", _discover),
            ("2. log in with openid", _oidc_log_in),
            ("3. the ID token validated", _validate_id_token),
            ("4. an access token used as an ID token", _swap),
            ("5. userinfo", _userinfo),
            ("6. single sign-on", _single_sign_on),
        ],
    ),
}
