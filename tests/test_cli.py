"""`tokenlab decode` explains a token, and refuses what is not one with a message, not a traceback."""

import subprocess
import sys

from tokenlab import Clock, demo_key, sign


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tokenlab.cli", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def test_decode_prints_the_claims_and_says_unverified():
    token = sign({"sub": "alice", "exp": Clock.frozen().timestamp()}, demo_key("EdDSA"))
    result = run("decode", token)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("UNVERIFIED")
    assert '"alice"' in result.stdout
    assert "2026-01-05 09:00:00 UTC" in result.stdout


def test_decode_reads_standard_input_with_a_dash():
    token = sign({"sub": "bob"}, demo_key("HS256"))
    result = run("decode", "-", stdin=f"  Bearer {token}\n")
    assert result.returncode == 0, result.stderr
    assert '"bob"' in result.stdout
    assert "Removed the 'Bearer ' prefix" in result.stdout


def test_decode_of_garbage_exits_1_with_a_one_line_explanation():
    result = run("decode", "not-a-token")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("tokenlab: not a JWT: This has no dots")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_version_is_printed():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("tokenlab ")


def test_serve_json_prints_one_line_once_it_accepts_connections_and_stops_on_ctrl_c():
    import json
    import signal

    import requests

    with subprocess.Popen(
        [sys.executable, "-m", "tokenlab.cli", "serve", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            info = json.loads(process.stdout.readline())
            assert set(info) == {"issuer", "clients", "users", "resources"}
            assert info["issuer"].startswith("http://127.0.0.1:")
            document = requests.get(info["issuer"] + "/.well-known/openid-configuration", timeout=10).json()
            assert document["issuer"] == info["issuer"]
            device = next(
                c for c in info["clients"] if "urn:ietf:params:oauth:grant-type:device_code" in c["grant_types"]
            )
            assert device["client_secret"] is None
            assert info["resources"] and all(r["url"].startswith(info["issuer"] + "/api/") for r in info["resources"])
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
            assert process.stdout.read() == ""  # exactly one line
            assert "Traceback" not in process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()


def test_serve_on_a_busy_port_says_so_in_one_line():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run("serve", "--port", str(busy.getsockname()[1]))
    assert result.returncode == 1
    assert result.stderr.startswith("tokenlab: cannot listen on 127.0.0.1:")
    assert "Traceback" not in result.stderr


def test_python_dash_m_tokenlab_runs_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "tokenlab", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("tokenlab ")


def test_decode_into_a_reader_that_has_gone_ends_quietly_without_a_traceback():
    token = sign({"sub": "alice"}, demo_key("HS256"))
    command = [sys.executable, "-m", "tokenlab", "decode", "-"]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as decode:
        decode.stdout.close()  # like `| head` that has already left: every write now fails with EPIPE
        decode.stdin.write(token.encode())
        decode.stdin.close()
        err = decode.stderr.read()
        assert decode.wait(timeout=60) == 0
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
