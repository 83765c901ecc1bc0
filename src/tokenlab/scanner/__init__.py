"""A secret scanner: find API keys, tokens and private keys in text, files and folders.

>>> from tokenlab.apikeys import new_api_key
>>> import random
>>> key = new_api_key("live", random_bytes=random.Random(1).randbytes)
>>> for finding in scan_text(f'API_KEY = "{key}"  # do not commit'):
...     print(finding)
<text>:1:12  tokenlab_key  tl_live_…...  (checksum ok)

The scanner in four modules, each building on the one before:

* :mod:`~tokenlab.scanner.rules` — what it looks for (:data:`RULES`, each kind of secret from its fixed
  prefix) and the checks that cut false positives (a checksum, a JWT's JSON).
* :mod:`~tokenlab.scanner.findings` — what a scan reports: :class:`Finding` (redacted: a report never
  repeats a secret), :class:`Skipped`, :class:`ScanReport`.
* :mod:`~tokenlab.scanner.search` — the chunked search: bounded memory and time on any input, each
  secret found exactly once wherever a chunk boundary falls; :func:`scan_text` and :func:`scan_stream`.
* :mod:`~tokenlab.scanner.walk` — files and folders: :func:`scan_file`, :func:`scan_path` (no
  version-control folders, no symbolic-link loops, unreadable files noted, never raised).
"""

from tokenlab.scanner.findings import Finding, ScanReport, Skipped
from tokenlab.scanner.rules import MAX_SECRET_LENGTH, RULES, Rule, github_checksum_ok
from tokenlab.scanner.search import CHUNK_SIZE, MAX_FILE_BYTES, MAX_FINDINGS, TIME_LIMIT, scan_stream, scan_text
from tokenlab.scanner.walk import DEFAULT_SKIP_DIRS, scan_file, scan_path

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_SKIP_DIRS",
    "MAX_FILE_BYTES",
    "MAX_FINDINGS",
    "MAX_SECRET_LENGTH",
    "RULES",
    "TIME_LIMIT",
    "Finding",
    "Rule",
    "ScanReport",
    "Skipped",
    "github_checksum_ok",
    "scan_file",
    "scan_path",
    "scan_stream",
    "scan_text",
]
