"""Your own provider: the flows of lessons 05, 06, 10 and 11 run against a real OpenID provider.

The lessons teach on the course's provider, whose clock, keys and demo APIs they control, so that every output
repeats. Each of them ends with the same flow run against a provider the learner chooses (Keycloak, Auth0,
Entra ID, panva's oidc-provider, …) with environment variables, read when the cell runs:

=========================  ===========================================================================
``TOKENLAB_ISSUER``        the issuer URL; discovery (OIDC Discovery §4, RFC 8414 §3) finds every endpoint
``TOKENLAB_CLIENT_ID``     a confidential client allowed ``client_credentials`` (lessons 05 and 10) …
``TOKENLAB_CLIENT_SECRET`` … and its secret (lesson 10 introspects with it when the login client is public)
``TOKENLAB_SCOPE``         optional: the scope it asks for
``TOKENLAB_RESOURCE``      optional: the API it asks a token for (RFC 8707 ``resource``)
``TOKENLAB_AUDIENCE``      optional: the ``aud`` that API expects (defaults to the resource)
``TOKENLAB_LOGIN_CLIENT_ID``  a client for the authorization-code flow with PKCE (lessons 06, 10, 11) …
``TOKENLAB_LOGIN_CLIENT_SECRET``  … its secret if it is confidential (none for a public client)
``TOKENLAB_REDIRECT_URI``  its registered redirect URI (default ``http://127.0.0.1/callback``)
``TOKENLAB_LOGIN_SCOPE``   the scope of the login (default ``openid``)
``TOKENLAB_USERNAME``, ``TOKENLAB_PASSWORD``  a test user, whose login form ``client.login_as`` fills
=========================  ===========================================================================

>>> report = run_lesson(5, environ={})       # nothing chosen: the report says what it would do, and how
>>> report.ran, report.ok
(False, True)

Nothing here assumes the course's mock: no port, no demo client, no clock travel. Every failure, from an issuer
that does not answer to a token the provider refuses, becomes a step marked ✗ with a sentence saying why, never a
traceback; a feature the provider does not advertise is a step skipped, naming the metadata it lacked.
"""

from tokenlab.own_provider.report import Report, Step
from tokenlab.own_provider.run import run_lesson
from tokenlab.own_provider.settings import ENVIRONMENT, OwnProvider

__all__ = ["ENVIRONMENT", "OwnProvider", "Report", "Step", "run_lesson"]
