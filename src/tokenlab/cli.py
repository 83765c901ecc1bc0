"""The ``tokenlab`` command.

- ``tokenlab decode TOKEN`` (or ``-`` to read standard input) explains a JWT
  without verifying it, exactly as :func:`tokenlab.decode_unverified` does.
- ``tokenlab serve [--port N] [--json] [--issuer URL]`` runs the mock provider
  in the foreground on 127.0.0.1, on the real clock, for curl or Postman
  demos and for scripts. With ``--json`` it prints exactly one line of JSON
  (``MockProvider.info``) once it accepts connections. Ctrl-C stops it. It signs
  with a fresh random key made at start and kept only in memory (never the
  course's published demo key); the banner names its ``kid``, nothing secret.
- ``tokenlab student-copy [--out DIR] [--course-url URL]`` writes a workshop hand-out into DIR (default
  ``./student``): the committed lessons the course map lists, outputs cleared and without solutions, with a
  README that says how to install tokenlab and start the lab, as :func:`tokenlab.student.student_copy` does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tokenlab import __version__

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tokenlab", description="Learn how API tokens really work.")
    parser.add_argument("--version", action="version", version=f"tokenlab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    decode = commands.add_parser(
        "decode",
        help="explain a JWT without verifying it",
        description="Explain a JWT's header and claims without verifying anything: decoded is not verified.",
    )
    decode.add_argument("token", help="the token, or - to read it from standard input")
    serve = commands.add_parser(
        "serve",
        help="run the mock OAuth 2.0 / OpenID Connect provider in the foreground",
        description="Run the mock provider on 127.0.0.1 until Ctrl-C, on the real clock.",
    )
    serve.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    serve.add_argument(
        "--json", action="store_true", help="print one line of JSON with the issuer, clients, users and resources"
    )
    serve.add_argument("--issuer", help="the issuer URL to advertise, when a proxy serves the provider elsewhere")
    student = commands.add_parser(
        "student-copy",
        help="write a hand-out for learners: the lessons, outputs cleared and without solutions, and a README",
        description="Write into DIR the lessons the course map lists, as committed in this checkout (never "
        "autosaved edits or copies), with outputs, execution counts and widget state cleared and cells tagged "
        "'solution' removed; a README.md that says how to install tokenlab and start the lab; a requirements.txt; "
        "and the files the lessons link to. Nothing from solutions/ is copied.",
    )
    student.add_argument("--out", default="student", help="the folder to write into (default: ./student)")
    student.add_argument(
        "--course-url",
        help="the course repository learners install tokenlab from (default: the https URL of the git remote "
        "'origin', else https://github.com/tokenlab/tokenlab)",
    )
    return parser


def _decode(token: str) -> int:
    from tokenlab.errors import TokenFormatError
    from tokenlab.tokens import decode_unverified

    if token == "-":
        token = sys.stdin.read(1024 * 1024)
    try:
        decoded = decode_unverified(token)
    except TokenFormatError as err:
        print(f"tokenlab: not a JWT: {err}", file=sys.stderr)
        return 1
    try:
        print(decoded)
        sys.stdout.flush()
    except BrokenPipeError:  # `tokenlab decode TOKEN | head`: the reader left, which is not an error
        sys.stdout = None  # nothing more to flush at exit
    return 0


def _serve(port: int, as_json: bool, issuer: str | None) -> int:
    import json
    import signal
    import threading

    from tokenlab.clock import Clock
    from tokenlab.provider import MockProvider

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        # Open to every local client, whoever runs it (curl, Postman, outside OAuth libraries): the --json contract.
        provider = MockProvider(clock=Clock.system(), port=port, issuer=issuer, allow_other_users=True).start()
    except OSError as err:
        print(f"tokenlab: {err.strerror}", file=sys.stderr)
        return 1
    try:
        if as_json:
            print(json.dumps(provider.info), flush=True)
        else:
            _print_banner(provider)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        provider.stop()
    if not as_json:
        print("tokenlab: provider stopped.", file=sys.stderr)
    return 0


def _print_banner(provider) -> None:
    info = provider.info
    print(f"tokenlab mock provider at {info['issuer']}  (Ctrl-C to stop)")
    print(f"  discovery: {info['issuer']}/.well-known/openid-configuration")
    key = provider.app.signing_key
    print(
        f"  signing:  a fresh {key.alg} key made for this run, kid {key.kid} (public half: {info['issuer']}/jwks.json)"
    )
    print("  clients:")
    for client in info["clients"]:
        secret = client["client_secret"] or "(public: no secret)"
        print(f"    {client['client_id']:<18} {secret:<34} {' '.join(client['grant_types'])}")
    print("  users:    " + ", ".join(f"{u['username']} / {u['password']}" for u in info["users"]))
    print("  APIs:")
    for resource in info["resources"]:
        print(f"    {resource['method']:<5} {resource['url']}  needs {resource['scope']}")
    print(
        f"  try: curl -s -u reporting-service:<secret> -d grant_type=client_credentials {info['issuer']}/token",
        flush=True,
    )


def _student_copy(out: str, course_url: str | None) -> int:
    from tokenlab.student import HandoutError, student_copy

    try:
        handout = student_copy(out, course_url=course_url)
    except (FileNotFoundError, HandoutError) as err:
        print(f"tokenlab: {err}", file=sys.stderr)
        return 1
    print(f"tokenlab: {handout.summary()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "decode":
        return _decode(args.token)
    if args.command == "serve":
        return _serve(args.port, args.json, args.issuer)
    if args.command == "student-copy":
        return _student_copy(args.out, args.course_url)
    raise AssertionError(f"unhandled command {args.command}")  # pragma: no cover - argparse refuses others


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
