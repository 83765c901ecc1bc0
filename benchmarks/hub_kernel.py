"""Run a notebook's code cells in a kernel of a Jupyter server, over the kernel's websocket, as a browser would.

The Jupyter messaging protocol over the server's default JSON websocket
(``/api/kernels/ID/channels``): each cell goes out as an ``execute_request`` on
the shell channel; its outputs are the iopub messages whose parent is that
request, collected until both the ``execute_reply`` and the ``idle`` status
have arrived. Outputs are kept as nbformat stores them (what nbval compares).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

PROTOCOL_VERSION = "5.3"
CELL_TIMEOUT = 60.0  # seconds, as nbval's --nbval-cell-timeout in pyproject.toml
READY_TIMEOUT = 60.0  # seconds for a new kernel to answer kernel_info_request


class KernelError(RuntimeError):
    """The kernel could not be reached, stopped answering, or a cell failed where it must not."""


@dataclass
class CellRun:
    """One executed cell: its outputs as nbformat stores them, and the error it raised (``None``: none)."""

    number: int  # the code cell's number, counting code cells only from 0, as nbval names them ("Cell 3")
    source: str
    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    seconds: float = 0.0

    def describe(self) -> str:
        first = self.source.strip().splitlines()[0] if self.source.strip() else "(empty)"
        return f"Cell {self.number} ({first[:60]})"


class KernelSocket:
    """An open kernel websocket; ``await KernelSocket.open(...)``, then ``execute`` cells, then ``close``."""

    def __init__(self, connection: WebSocketClientConnection, session: str) -> None:
        self._connection = connection
        self._session = session

    @classmethod
    async def open(cls, ws_url: str, token: str) -> KernelSocket:
        """Connect to ``ws://.../api/kernels/ID/channels`` with ``token`` and wait until the kernel answers."""
        session = uuid.uuid4().hex
        request = HTTPRequest(
            f"{ws_url}?session_id={session}",
            headers={"Authorization": f"token {token}"},
            connect_timeout=30,
            request_timeout=30,
        )
        try:
            connection = await websocket_connect(request, max_message_size=64 * 1024 * 1024)
        except Exception as err:
            raise KernelError(f"cannot open the kernel websocket {ws_url}: {err}") from None
        socket = cls(connection, session)
        await socket._wait_until_ready()
        return socket

    def _message(self, msg_type: str, content: dict[str, Any], channel: str = "shell") -> dict[str, Any]:
        return {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "msg_type": msg_type,
                "username": "tokenlab-hub-test",
                "session": self._session,
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "version": PROTOCOL_VERSION,
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }

    async def _send(self, message: dict[str, Any]) -> str:
        await self._connection.write_message(json.dumps(message))
        return message["header"]["msg_id"]

    async def _receive(self, deadline: float, what: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KernelError(f"no answer from the kernel within the time allowed, while waiting for {what}")
        try:
            raw = await asyncio.wait_for(self._connection.read_message(), remaining)
        except asyncio.TimeoutError:
            raise KernelError(f"no answer from the kernel within the time allowed, while waiting for {what}") from None
        if raw is None:
            raise KernelError(f"the kernel websocket closed while waiting for {what}")
        if isinstance(raw, bytes):  # binary frames carry buffers (widgets); nothing here needs them
            return {"channel": None, "header": {}, "parent_header": {}, "content": {}}
        return json.loads(raw)

    async def _wait_until_ready(self) -> None:
        """Ask kernel_info until a reply comes: a new kernel may not listen yet when the socket opens."""
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            msg_id = await self._send(self._message("kernel_info_request", {}))
            ask_again = min(deadline, time.monotonic() + 2.0)
            while time.monotonic() < ask_again:
                try:
                    message = await self._receive(ask_again, "kernel_info_reply")
                except KernelError:
                    if time.monotonic() >= deadline:
                        raise
                    break
                if message.get("parent_header", {}).get("msg_id") == msg_id and message["channel"] == "shell":
                    return

    async def execute(self, number: int, source: str, timeout: float = CELL_TIMEOUT) -> CellRun:
        """Run one cell and collect its outputs, as nbval does (streams, display data, results, errors)."""
        run = CellRun(number, source)
        started = time.monotonic()
        deadline = started + timeout
        content = {
            "code": source,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        msg_id = await self._send(self._message("execute_request", content))
        replied = idle = False
        while not (replied and idle):
            message = await self._receive(deadline, f"the end of {run.describe()}")
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue  # comm traffic of widgets, or another request's messages
            msg_type = message["header"]["msg_type"]
            body = message["content"]
            if message["channel"] == "shell" and msg_type == "execute_reply":
                replied = True
                if body.get("status") == "error" and run.error is None:
                    run.error = {"ename": body.get("ename", "?"), "evalue": body.get("evalue", "")}
            elif msg_type == "status":
                idle = body.get("execution_state") == "idle"
            elif msg_type == "stream":
                run.outputs.append({"output_type": "stream", "name": body["name"], "text": body["text"]})
            elif msg_type in ("display_data", "execute_result"):
                output = {"output_type": msg_type, "data": body["data"], "metadata": body.get("metadata", {})}
                if msg_type == "execute_result":
                    output["execution_count"] = body.get("execution_count")
                run.outputs.append(output)
            elif msg_type == "error":
                error = {k: body.get(k) for k in ("ename", "evalue", "traceback")}
                run.outputs.append({"output_type": "error", **error})
                run.error = error
        run.seconds = time.monotonic() - started
        return run

    async def close(self) -> None:
        self._connection.close()
