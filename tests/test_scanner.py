"""tokenlab.scanner: finds secrets by prefix, checks what can be checked, and reads anything in bounded memory.

Provider-shaped secrets are assembled at run time from pieces, so that this file itself does not trip a
secret scanner (or a code host's push protection).
"""

import io
import os
import random
import tracemalloc
import zlib
from pathlib import Path

import pytest

from tokenlab.apikeys import new_api_key
from tokenlab.errors import UsageError
from tokenlab.keys import demo_key
from tokenlab.scanner import (
    CHUNK_SIZE,
    MAX_SECRET_LENGTH,
    RULES,
    Finding,
    github_checksum_ok,
    scan_file,
    scan_path,
    scan_stream,
    scan_text,
)
from tokenlab.tokens import sign

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def b62(number, width=6):
    """An independent base62 (digits, upper, lower), so the GitHub check is not tested against itself."""
    out = ""
    while number:
        number, rest = divmod(number, 62)
        out = DIGITS[rest] + out
    return out.rjust(width, "0")


def github_token(random30, prefix="ghp_"):
    return prefix + random30 + b62(zlib.crc32(random30.encode()))


def tl_key(seed=0, kind="live"):
    return new_api_key(kind, random_bytes=random.Random(seed).randbytes)


GITHUB_VECTOR = "ghp_" + "M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq" + "11T4V4"  # published test vector of another scanner
JWT = sign({"sub": "alice", "aud": "api", "exp": 1767605000}, demo_key("RS256"))
AWS = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documentation example
SLACK = "xoxb-" + "123456789012-1234567890123-" + "abcdefghijABCDEFGHIJ1234"
STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
PEM = "-----BEGIN " + "RSA PRIVATE KEY-----"
FINE_GRAINED = "github_" + "pat_" + "A" * 22 + "_" + "b" * 59

SAMPLES = {
    "tokenlab_key": tl_key(),
    "github_token": github_token("a1B2c3D4e5F6g7H8i9J0kLmNoPqRsT"),
    "github_fine_grained_pat": FINE_GRAINED,
    "jwt": JWT,
    "aws_access_key_id": AWS,
    "slack_token": SLACK,
    "stripe_key": STRIPE,
    "private_key": PEM,
}


@pytest.mark.parametrize(("kind", "secret"), SAMPLES.items())
def test_each_kind_of_secret_is_found_with_its_position_and_redacted(kind, secret):
    text = f"line one\n  config = '{secret}'\nline three"
    (finding,) = scan_text(text)
    assert (finding.kind, finding.line, finding.column, finding.path) == (kind, 2, 13, "<text>")
    if kind == "private_key":
        assert finding.redacted == PEM  # only the header line matches, and it is not secret
    else:
        assert finding.redacted.endswith(secret[-4:]) and "…" in finding.redacted
        assert len(finding.redacted) < len(secret) / 2 or kind == "aws_access_key_id"
        assert secret not in str(finding)


def test_every_rule_kind_has_a_sample():
    assert [rule.kind for rule in RULES] == list(SAMPLES)


def test_checks_are_reported_where_the_format_has_one():
    by_kind = {f.kind: f.check_passed for f in scan_text("\n".join(SAMPLES.values()))}
    assert by_kind == {
        "tokenlab_key": True,
        "github_token": True,
        "github_fine_grained_pat": None,
        "jwt": True,
        "aws_access_key_id": None,
        "slack_token": None,
        "stripe_key": None,
        "private_key": None,
    }


def test_the_github_checksum_matches_a_published_vector_and_catches_a_changed_character():
    assert github_checksum_ok(GITHUB_VECTOR)
    assert not github_checksum_ok(GITHUB_VECTOR[:-1] + "3")
    assert not github_checksum_ok(GITHUB_VECTOR[:-7] + "X" + GITHUB_VECTOR[-6:])
    assert github_checksum_ok(github_token("0" * 30, "gho_"))  # zero-padded checksums too
    assert not github_checksum_ok("ghp_short")
    assert not github_checksum_ok("ghp_" + "é" * 36)


def test_a_look_alike_with_a_wrong_checksum_is_dropped_unless_asked_for():
    fake_key = "tl_live_" + "x" * 38
    fake_github = "ghp_" + "y" * 36
    text = f"{fake_key}\n{fake_github}\n{tl_key(1)}"
    assert [f.kind for f in scan_text(text)] == ["tokenlab_key"]
    kept = scan_text(text, keep_failed=True)
    assert [(f.line, f.check_passed, f.likely_real) for f in kept] == [
        (1, False, False),
        (2, False, False),
        (3, True, True),
    ]
    assert "checksum FAILED" in str(kept[0]) and "checksum ok" in str(kept[2])


def test_a_jwt_shaped_string_that_does_not_decode_is_dropped():
    garbage = "eyJ" + "x" * 20 + ".eyJ" + "y" * 20 + ".zzzz"
    assert scan_text(garbage) == []
    (kept,) = scan_text(garbage, keep_failed=True)
    assert kept.kind == "jwt" and kept.check_passed is False


@pytest.mark.parametrize("wrap", ["x{}", "{}x", "_{}", "{}_", "9{}"])
def test_a_secret_inside_a_longer_word_is_not_a_match(wrap):
    assert scan_text(wrap.format(tl_key())) == []
    assert scan_text(wrap.format(AWS)) == []


@pytest.mark.parametrize("wrap", ['"{}"', "'{}'", "={}", " {} ", "({})", "{}.", "Bearer {}\n", "key:{},"])
def test_a_secret_between_punctuation_is_found(wrap):
    assert [f.kind for f in scan_text(wrap.format(tl_key()))] == ["tokenlab_key"]


def test_overlapping_matches_are_reported_once_and_the_earlier_one_wins():
    jwt_with_aws = JWT[:-30] + "-" + AWS + JWT[-9:]
    kinds = [f.kind for f in scan_text(jwt_with_aws, keep_failed=True)]
    assert kinds == ["jwt"]


def test_findings_come_in_order_of_position_with_lines_and_columns():
    text = f"a\n\nbb {AWS} {tl_key()}\n{PEM}\n"
    assert [(f.line, f.column, f.kind) for f in scan_text(text)] == [
        (3, 4, "aws_access_key_id"),
        (3, 25, "tokenlab_key"),
        (4, 1, "private_key"),
    ]


def test_text_can_be_bytes_with_nul_and_invalid_utf8():
    data = b"\x00\xff\xfe garbage " + tl_key().encode() + b" \x80\x81"
    (finding,) = scan_text(data)
    assert finding.kind == "tokenlab_key"
    assert scan_text("") == []


# --- chunks ---------------------------------------------------------------------------------------------


def longest_jwt():
    """A JWT at the rule's size limits (header 1010, payload 6003, signature 1000 characters)."""
    return "eyJ" + "a" * 1007 + ".eyJ" + "b" * 6000 + "." + "c" * 1000


def mixed_text(seed=0):
    rng = random.Random(seed)
    lines = []
    secrets = [*SAMPLES.values(), tl_key(9, "pat"), "tl_test_" + "q" * 38]
    for number in range(400):
        words = " ".join(rng.choice(["ok", "token", "sk_", "eyJ", "tl_", "gh", "AKIA", "-", "xox"]) for _ in range(8))
        if number % 40 == 7:
            words += " " + secrets[(number // 40) % len(secrets)]
        lines.append(words)
    return "\n".join(lines)


def expected_from_rules(data):
    """What the readable whole-secret patterns find, overlaps resolved as the scanner does: earliest first."""
    matches = sorted(
        (m.start(), index, m.end()) for index, rule in enumerate(RULES) for m in rule.pattern.finditer(data)
    )
    taken, end = [], 0
    for start, index, stop in matches:
        if start >= end:
            taken.append((start, RULES[index].kind))
            end = stop
    return taken


@pytest.mark.parametrize("seed", range(4))
def test_the_fast_search_finds_exactly_what_the_readable_rules_describe(seed):
    data = (mixed_text(seed) + "\n" + "\n".join(SAMPLES.values()) + " " + longest_jwt()).encode()
    found = scan_text(data, keep_failed=True)
    lines = data.split(b"\n")
    offsets = [sum(len(line) + 1 for line in lines[: f.line - 1]) + f.column - 1 for f in found]
    assert list(zip(offsets, [f.kind for f in found], strict=True)) == expected_from_rules(data)


def test_each_rule_pattern_matches_the_whole_secret_with_a_prefix_that_may_be_shown():
    for kind, secret in SAMPLES.items():
        (rule,) = [r for r in RULES if r.kind == kind]
        match = rule.pattern.search(f"x = {secret};".encode())
        assert match.group().decode() == secret
        assert secret.startswith(match.group("prefix").decode())
        assert rule.tail in (0, 4)


def test_the_longest_match_fits_the_overlap_between_chunks():
    assert len(longest_jwt()) <= MAX_SECRET_LENGTH
    (found,) = scan_text(longest_jwt(), keep_failed=True)
    assert found.kind == "jwt"
    assert scan_text("eyJ" + "a" * 1008 + ".eyJb.c", keep_failed=True) == []  # a header past the cap: not matched


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 64, 1000, 8193, 8194, 50_000])
def test_any_chunk_size_finds_exactly_what_one_pass_finds(chunk_size):
    text = mixed_text() + "\n" + longest_jwt() + " " + tl_key(3)
    whole = scan_text(text, keep_failed=True)
    assert len(whole) >= 12
    chunked = scan_stream(io.BytesIO(text.encode()), name="<text>", chunk_size=chunk_size, keep_failed=True).findings
    assert chunked == whole


@pytest.mark.parametrize("chunk_size", [1, 7, 1000, 8193])
def test_a_dropped_look_alike_is_skipped_whole_by_chunks_as_by_one_pass(chunk_size):
    """A match that fails its check still consumes its bytes: one pass goes on after its end. A chunk boundary
    inside it must not make the search start again within it (and find what one pass never sees)."""
    look_alike = "eyJ4AAAAAAAA." + JWT  # a header that is not JSON, then a whole JWT: one JWT-shaped match that fails
    text = "x = 1\n" * 1500 + f"token = {look_alike}\n" + "y = 2\n" * 1500
    (dropped,) = scan_text(text, keep_failed=True)
    assert dropped.check_passed is False
    chunked = scan_stream(io.BytesIO(text.encode()), name="<text>", chunk_size=chunk_size).findings
    assert chunked == scan_text(text)


@pytest.mark.parametrize("shift", [-50, -46, -45, -1, 0, 1, 30])
def test_a_key_split_by_the_chunk_boundary_is_found_once(shift):
    key = tl_key(4)
    for boundary in (CHUNK_SIZE, CHUNK_SIZE - MAX_SECRET_LENGTH - 1):  # the read boundary and the search limit
        start = boundary + shift
        data = b"x " * (start // 2) + b" " * (start % 2) + key.encode() + b"\n" + b"y" * 100
        assert data.index(key.encode()) == start
        (found,) = scan_stream(io.BytesIO(data)).findings
        assert (found.line, found.column) == (1, start + 1)


@pytest.mark.parametrize("shift", [-1, 0, 1])
def test_a_secret_glued_to_a_word_is_not_a_match_at_the_chunk_boundary_either(shift):
    """The byte before the search limit is kept for the next chunk: without it, the start-of-word check
    would see the start of a buffer there and report ``xAKIA…`` as a secret."""
    start = CHUNK_SIZE - MAX_SECRET_LENGTH - 1 + shift  # where the first chunk's search stops
    data = b" " * (start - 1) + b"x" + AWS.encode() + b"\n" * MAX_SECRET_LENGTH  # so the first chunk is full
    assert len(data) > CHUNK_SIZE
    assert data.index(AWS.encode()) == start
    assert scan_stream(io.BytesIO(data)).findings == []
    assert len(scan_stream(io.BytesIO(data.replace(b"x", b" "))).findings) == 1  # the same secret, not glued


def test_a_50_mb_file_with_a_key_at_the_end_is_scanned_in_bounded_memory(tmp_path):
    big = tmp_path / "big.log"
    line = b"2026-01-05T09:00:00Z INFO request served in 12 ms for user=alice token=<redacted>\n"
    count = 50 * 1024 * 1024 // len(line)
    with big.open("wb") as out:
        block = line * 10_000
        for _ in range(count // 10_000):
            out.write(block)
        out.write(line * (count % 10_000))
        out.write(f"export API_KEY={tl_key(5)}\n".encode())
    tracemalloc.start()
    try:
        report = scan_file(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (found,) = report.findings
    assert (found.path, found.line, found.column, found.kind) == ("big.log", count + 1, 16, "tokenlab_key")
    assert report.bytes == big.stat().st_size >= 50 * 1024 * 1024
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"  # about 3 MB: a chunk, the buffer and the next chunk


def test_one_huge_line_is_fine():
    data = b"a=" + b"Z" * 3_000_000 + b" " + tl_key().encode()
    (found,) = scan_stream(io.BytesIO(data), chunk_size=65536).findings
    assert (found.line, found.column) == (1, 3_000_004)


# --- files and limits -------------------------------------------------------------------------------------


def test_a_binary_file_is_skipped_by_default_and_searched_safely_when_asked(tmp_path):
    blob = tmp_path / "app.bin"
    noise = random.Random(0).randbytes(300_000)
    blob.write_bytes(b"\x7fELF\x00\x01" + noise + b"\x00" + tl_key().encode() + b"\x00" + noise)
    skipped = scan_file(blob)
    assert skipped.findings == [] and skipped.files == 0
    assert [s.reason for s in skipped.skipped] == ["binary file (a NUL byte near the start)"]
    searched = scan_file(blob, scan_binary=True)
    assert [f.kind for f in searched.findings] == ["tokenlab_key"]
    assert searched.skipped == [] and searched.files == 1


@pytest.mark.parametrize("chunk_size", [CHUNK_SIZE, 1000, 1])
@pytest.mark.parametrize(("nul_at", "binary"), [(0, True), (7999, True), (8000, False)])
def test_a_nul_byte_in_the_first_8000_bytes_makes_a_file_binary_whatever_the_chunk_size(nul_at, binary, chunk_size):
    data = bytearray(b"a" * 9000 + b" " + tl_key().encode())
    data[nul_at] = 0
    report = scan_stream(io.BytesIO(bytes(data)), chunk_size=chunk_size)
    assert (report.files, len(report.findings)) == ((0, 0) if binary else (1, 1))


def test_only_the_start_of_a_file_decides_whether_it_is_binary():
    data = tl_key().encode() + b" " * CHUNK_SIZE + b"\x00 a NUL byte early in the second chunk\n" + b" " * CHUNK_SIZE
    report = scan_stream(io.BytesIO(data))
    assert [f.kind for f in report.findings] == ["tokenlab_key"]
    assert report.skipped == [] and report.files == 1 and report.bytes == len(data)


def test_random_bytes_never_crash_the_scanner():
    for seed in range(5):
        data = random.Random(seed).randbytes(200_000)
        assert all(isinstance(f, Finding) for f in scan_text(data, keep_failed=True))


def test_the_size_limit_stops_reading_and_says_so(tmp_path):
    path = tmp_path / "dump.sql"
    path.write_bytes(b"a" * 5000 + b" " + tl_key().encode())
    report = scan_file(path, max_bytes=4096, chunk_size=1024)
    assert report.findings == []
    assert report.bytes == 4096
    assert report.skipped[0].reason.startswith("size limit: only the first 4,096 bytes")
    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"b" * 4096)
    assert scan_file(exact, max_bytes=4096).skipped == []


def test_the_time_limit_stops_a_file_and_says_so(tmp_path):
    path = tmp_path / "slow.txt"
    path.write_bytes(b"z" * 100_000)
    report = scan_file(path, time_limit=-1, chunk_size=1024)
    assert report.skipped[0].reason.startswith("time limit")
    assert report.bytes < 100_000


def test_many_findings_in_one_file_are_capped(tmp_path):
    path = tmp_path / "fixtures.txt"
    path.write_text("\n".join([AWS] * 50))
    report = scan_stream(io.BytesIO(path.read_bytes()), max_findings=10)
    assert len(report.findings) == 10
    assert report.skipped[0].reason == "stopped after 10 findings"


def test_a_missing_file_a_pipe_and_an_unreadable_file_are_noted_not_raised(tmp_path, monkeypatch):
    assert scan_file(tmp_path / "nope.txt").skipped[0].reason.startswith("unreadable")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert scan_file(pipe).skipped[0].reason == "not a regular file"  # opening it would block
    locked = tmp_path / "locked.txt"
    locked.write_text(tl_key())
    real_open = Path.open

    def refusing_open(self, *args, **kwargs):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    report = scan_file(locked)
    assert report.findings == [] and report.skipped[0].reason == "unreadable: Permission denied"


def test_chunk_size_must_be_positive():
    with pytest.raises(UsageError):
        scan_stream(io.BytesIO(b"x"), chunk_size=0)


# --- folders ----------------------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "src" / "app").mkdir(parents=True)
    (root / ".git" / "objects").mkdir(parents=True)
    (root / "src" / "app" / "settings.py").write_text(f'DEBUG = True\nAPI_KEY = "{tl_key(1)}"\n')
    (root / "src" / "app" / "fixtures.py").write_text(f'LOOKS_REAL = "{"tl_live_" + "Z" * 38}"\n')
    (root / "README.md").write_text(f"Use a key like `{AWS}` (AWS's documentation example).\n")
    (root / ".git" / "config").write_text(f"token = {tl_key(2)}\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + tl_key(3).encode())
    return root


def test_a_folder_walk_reports_relative_paths_in_name_order_and_skips_git_and_binaries(repo, tmp_path):
    report = scan_path(repo)
    assert [(f.path, f.line, f.kind) for f in report.findings] == [
        ("README.md", 1, "aws_access_key_id"),
        ("src/app/settings.py", 2, "tokenlab_key"),
    ]
    assert [(s.path, s.reason.split(" (")[0]) for s in report.skipped] == [
        (".git", "folder skipped"),
        ("logo.png", "binary file"),
    ]
    assert report.files == 3
    assert str(tmp_path) not in str(report)
    assert "2 finding(s) in 3 file(s)" in str(report)


def test_a_single_file_can_be_given_as_the_root(repo):
    report = scan_path(repo / "src" / "app" / "settings.py")
    assert [(f.path, f.line) for f in report.findings] == [("settings.py", 2)]


def test_symbolic_links_are_not_followed_by_default_and_loops_are_cut_when_they_are(repo):
    (repo / "src" / "loop").symlink_to("..")
    (repo / "linked.py").symlink_to(repo / "src" / "app" / "settings.py")
    (repo / "dangling.txt").symlink_to(repo / "missing.txt")
    default = scan_path(repo)
    assert {s.path: s.reason for s in default.skipped if "link" in s.reason} == {
        "dangling.txt": "symbolic link, not followed",
        "linked.py": "symbolic link, not followed",
        "src/loop": "symbolic link, not followed",
    }
    followed = scan_path(repo, follow_symlinks=True)
    assert [f.path for f in followed.findings] == ["README.md", "linked.py", "src/app/settings.py"]
    reasons = {s.path: s.reason for s in followed.skipped}
    assert reasons["src/loop"] == "symbolic link loop: folder already scanned"
    assert reasons["dangling.txt"] == "broken symbolic link"


def test_other_skip_folders_can_be_named(repo):
    report = scan_path(repo, skip_dirs={"src"})
    assert [f.path for f in report.findings] == [".git/config", "README.md"]
