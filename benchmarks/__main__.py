"""Measure tokenlab against baselines run side by side: ``python -m benchmarks [--quick] [--json PATH]``.

Method
------
Speed is only ever reported as a ratio to a baseline measured in the same
process, in the same minutes, on the same inputs, never as an absolute time
that a test could assert on: the machine may have two cores and other work.

* **Interleaving.** Each round times a batch of tokenlab calls (A) and a batch
  of baseline calls (B) back to back, alternating the order (A,B then B,A) so
  neither side always runs first. Batches last ~25 ms (calls per batch are
  calibrated once per side); a full run does 21 rounds, ``--quick`` does 3
  short ones. Both sides are called once before timing, to warm caches.
* **Medians.** The time columns are the median seconds per call over the rounds.
  The ratio is the median of the per-round ratios A/B: each round's A and B saw
  the same machine load, so pairing cancels most of the noise. The notes give
  the interquartile range of those ratios, the noise band of the verdict.

Rows and their baselines
------------------------
* ``verify ALG`` — ``tokenlab.tokens.verify`` vs ``jwt.decode`` making the same
  checks (signature, ``exp`` required, ``aud``, ``iss``; PyJWT also checks
  ``iat``/``nbf`` as tokenlab does), on the same token, with the same already
  parsed key object (``demo_key(alg).verifying``), so neither side parses PEM
  per call. tokenlab is a teaching layer over PyJWT's algorithms, so this is
  exactly its overhead. Target ≤ 1.2×. Ratios below 1 are genuine: PyJWT 2.15
  checks each base64url character of the token in a Python generator, which
  is about half of its HS256 decode time.
* ``sign ALG`` — ``tokenlab.tokens.sign`` vs ``jwt.encode`` with the same claims,
  the same private key object and the same ``kid`` header. Target ≤ 1.2×.
  (tokenlab signs ES256 with deterministic RFC 6979 nonces, PyJWT with random
  ones: that difference is part of what is measured.)
* ``decode_unverified RS256`` — vs ``jwt.decode(token, options={"verify_signature":
  False})``. Report only: tokenlab also explains every claim and looks for
  warnings, which PyJWT does not, so the ratio is context, not a target.
* ``import tokenlab`` — wall time of a fresh ``python -c "import tokenlab"`` vs
  ``python -c pass`` (same interpreter, interleaved, 7 runs each); the import
  cost is the median paired difference, target ≤ 150 ms, and matplotlib and
  ipywidgets must not be imported. A sub-row reports ``from tokenlab import
  verify``, which loads PyJWT and cryptography: what the first verify pays.
* the provider (``provider_rows``): a token request and an introspection over one keep-alive session, against a
  bare ``jwt.encode``/``jwt.decode`` (≤ 60×); provider start to first discovery answer (≤ 100 ms); a whole
  authorization-code + PKCE flow, login included (≤ 15 ms). ``jwks_rows``: verifying through a cached JWKS
  (``RemoteKeySet``) against ``jwt.decode`` with the same key (≤ 1.3×). ``own_provider_rows``: lesson 05's flow
  by ``run_lesson`` against the same requests made with ``tokenlab.client`` (≤ 1.3×).
* pictures (``plot_rows``): a token timeline of 50 events and a sequence diagram of 12 exchanges (≤ 300 ms each),
  against plain matplotlib drawing as many bars or lines; ``widget_rows``: a decoder update (≤ 5 ms).
* ``scanner_rows``: scanning 10 MB of text (≥ 50 MB/s); ``signing_rows``: signing plus verifying a request
  (≤ 3× one HMAC-SHA256 over the same bytes plus parsing). Each module's docstring says what its baseline is.
* ``notebooks`` — each ``notebooks/[0-9][0-9]-*.ipynb`` executed with nbclient
  in its own kernel (cwd ``notebooks/``, the inline backend, as ``make test``
  runs them), timing the cells only. The baseline
  is the kernel start time (median of every kernel started, including one that
  runs nothing). Target: total ≤ kernel start + 0.5 s × number of notebooks.
  Skipped with ``--quick``.
* ``JupyterHub: learners at once`` (``hub_rows``) — resource figures, not
  ratios: a real JupyterHub on this host (as tests/hub starts it: configurable-
  http-proxy, local-process servers on 127.0.0.1), four learners whose servers
  are started by one REST call each at the same moment, each then running
  lesson 06 through the hub's proxy over the kernel websocket. Per learner:
  seconds from the "start server" call to lesson 06's last cell done (the
  summary row shows the slowest), and at that moment the RSS and PSS
  (``/proc/PID/smaps_rollup``; PSS splits shared pages between the processes
  sharing them, so it is what one more learner adds) and CPU seconds of their
  single-user server plus the lesson's kernel with its provider running. The
  trainer guide's sizing section is made from these rows. Skipped with
  ``--quick``; ``python -m benchmarks.hub_rows --learners N`` prints only them.
* ``… vs oidc-provider`` (``certified_rows``) — discovery, client credentials
  and a whole code + PKCE flow on tokenlab's provider against the same calls on
  panva's OpenID Certified oidc-provider (tests/realprovider's), side by side
  (targets 0.5×, 0.5× and 0.3×). Skipped with ``--quick``.

Exit status is 0 whatever the verdicts: the table informs, it does not gate.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

from benchmarks import (
    certified_rows,
    hub_rows,
    import_rows,
    jwks_rows,
    jwt_rows,
    notebook_rows,
    own_provider_rows,
    plot_rows,
    provider_rows,
    scanner_rows,
    signing_rows,
    widget_rows,
)
from benchmarks.measure import FULL, QUICK
from benchmarks.report import Row, table, write_json

ROOT = Path(__file__).resolve().parent.parent


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few short rounds and no notebooks (for the tests)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the rows to PATH as JSON")
    parser.add_argument(
        "--notebooks", type=Path, default=ROOT / "notebooks", metavar="DIR", help="where the notebooks are"
    )
    return parser.parse_args(argv)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    settings = QUICK if args.quick else FULL
    started = time.perf_counter()
    rows: list[Row] = []
    _progress("timing verify, sign and decode_unverified ...")
    rows += jwt_rows.rows(settings)
    rows += jwks_rows.rows(settings)
    _progress("timing the provider over HTTP on 127.0.0.1 ...")
    rows += provider_rows.rows(settings)
    rows += own_provider_rows.rows(settings)
    rows += signing_rows.rows(settings)
    rows += scanner_rows.rows(settings)
    _progress("timing the token timeline ...")
    rows += plot_rows.rows(settings)
    rows += widget_rows.rows(settings)
    _progress("timing import tokenlab in fresh interpreters ...")
    rows += import_rows.rows(settings)
    if args.quick:
        rows.append(notebook_rows.skipped_row())
        rows.append(hub_rows.skipped_row())
        rows += certified_rows.skipped_rows()
    else:
        _progress(f"running the notebooks in {args.notebooks} ...")
        rows += notebook_rows.rows(args.notebooks)
        _progress("four learners on a JupyterHub on this host ...")
        rows += hub_rows.rows()
        _progress("tokenlab's provider against panva's oidc-provider ...")
        rows += certified_rows.rows(settings)

    print(table(rows))
    elapsed = time.perf_counter() - started
    mode = "quick" if args.quick else "full"
    print(
        f"\n{mode} run, {settings.rounds} interleaved rounds per row, {elapsed:.0f} s; python {platform.python_version()}"
    )
    if args.json:
        meta = {"quick": args.quick, "rounds": settings.rounds, "python": platform.python_version(), "seconds": elapsed}
        write_json(args.json, rows, meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
