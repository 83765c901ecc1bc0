"""The ``tokenlab`` command.

``tokenlab decode TOKEN`` (or ``-`` to read standard input) explains a JWT
without verifying it, exactly as :func:`tokenlab.decode_unverified` does.
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
    print(decoded)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "decode":
        return _decode(args.token)
    raise AssertionError(f"unhandled command {args.command}")  # pragma: no cover - argparse refuses others


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
