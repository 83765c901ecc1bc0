"""The secret scanner over 10 MB of code- and log-like text, against one regular expression over the same bytes.

* ``secret scan, 10 MB of text`` — ``tokenlab.scanner.scan_stream`` reading an in-memory file (``io.BytesIO``, so
  the disk is not measured) in its 1 MiB chunks with their overlap: the 8 kinds of secret in 7 passes, the CRC32
  and JWT checks of the candidates, line and column bookkeeping. The text is 10^7 bytes of Python-like code, JSON
  log lines, config lines and base64 blobs (seeded, the same every run), with 24 secrets planted and 6 look-alikes
  whose checksum fails; its words over-represent the near misses of a real tree (``sk_`` in ``task_id``, ``rk_``
  in ``network_error``, ``gh`` in English words), which cost the scanner most. Target: ≥ 50 MB/s (absolute: a
  repository of a few hundred MB scans in seconds). The baseline is the floor of any regex scanner: one rule
  (``AKIA[0-9A-Z]{16}``, a single pattern starting with a rare literal, the fastest kind for CPython's ``re``) in
  one pass over the same bytes, no checks. The scanner makes 7 passes, so a ratio near 7–15× means it adds little
  beyond running them; the ratio is context, the verdict is the MB/s.
"""

from __future__ import annotations

import io
import random
import re

from benchmarks.measure import Settings, compare
from benchmarks.report import Row, verdict
from tokenlab.apikeys import new_api_key
from tokenlab.keys import demo_key
from tokenlab.scanner import RULES, scan_stream
from tokenlab.tokens import sign

SIZE = 10_000_000
TARGET_MB_S = 50
_VOCABULARY = (
    "self request response token user session error value config timeout retry client server import return data "
    "items key secret auth header bearer cache parse load save update delete query "
    "task_id disk_usage network_error mark_done fork_count ghost right high night through light"
)  # the last line: the near misses of a real tree (sk_ in task_ and disk_, rk_ in network_ and fork_, gh in English)
WORDS = _VOCABULARY.split()


def realistic_text(size: int = SIZE, seed: int = 2026) -> tuple[bytes, int]:
    """``size`` bytes of code, logs, config and blobs with planted secrets; also how many should be found."""
    rng = random.Random(seed)
    secrets = [new_api_key(rng.choice(["live", "test"]), random_bytes=rng.randbytes) for _ in range(16)]
    secrets += [sign({"sub": f"user-{n}", "exp": 1767605000 + n}, demo_key("HS256")) for n in range(4)]
    secrets += ["AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)) for _ in range(4)]
    look_alikes = ["tl_live_" + "".join(rng.choice("abcdefXYZ0123") for _ in range(38)) for _ in range(6)]
    plants = secrets + look_alikes
    every = 1 + (size // 90) // len(plants)  # roughly one plant per `every` lines, spread over the whole text
    lines: list[str] = []
    total, number = 0, 0
    while total < size:
        number += 1
        pick = rng.random()
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
        if pick < 0.35:
            line = f"    {rng.choice(WORDS)} = {rng.choice(WORDS)}({words!r}, retries={rng.randint(0, 9)})"
        elif pick < 0.7:
            line = f'{{"ts": "2026-01-05T09:{number % 60:02d}:00Z", "level": "info", "msg": "{words}", "ms": {number % 997}}}'
        elif pick < 0.85:
            line = f"{rng.choice(WORDS).upper()}_SETTING={rng.getrandbits(64):x}  # {words}"
        else:
            line = "".join(
                rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(76)
            )
        if number % every == 0 and plants:
            line += f"  secret = '{plants.pop()}'"
        lines.append(line)
        total += len(line) + 1
    if plants:
        raise AssertionError("the text is too short for every planted secret")
    return "\n".join(lines).encode()[:size], len(secrets)


def rows(settings: Settings) -> list[Row]:
    text, planted = realistic_text()
    single_rule = re.compile(rb"AKIA[0-9A-Z]{16}")
    found = scan_stream(io.BytesIO(text)).findings
    if len(found) != planted or not all(f.likely_real for f in found):
        raise AssertionError(f"secret scan: found {len(found)} secrets, planted {planted}")

    def tokenlab_side():
        return scan_stream(io.BytesIO(text))

    def baseline():
        return list(single_rule.finditer(text))

    result = compare(tokenlab_side, baseline, settings)
    speed, floor = len(text) / result.a / 1e6, len(text) / result.b / 1e6
    return [
        Row(
            "secret scan, 10 MB of text",
            result.a,
            result.b,
            result.ratio,
            f"≥ {TARGET_MB_S} MB/s",
            verdict(speed >= TARGET_MB_S),
            f"{speed:.0f} MB/s, {len(found)} secrets found, {len(RULES)} kinds of secret; baseline {floor:.0f} MB/s: "
            f"one literal-prefixed regex, one pass; " + result.spread(),
            unit="ms",
        )
    ]
