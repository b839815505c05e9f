"""A real SMTP server for the tests (aiosmtpd in a thread): every message it receives is kept,
parsed, with its envelope recipients."""
from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass
from typing import Any, Optional

from aiosmtpd.controller import Controller


@dataclass
class Received:
    to: list[str]
    message: Any

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")


class _Handler:
    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.messages.append(Received(list(envelope.rcpt_tos), message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """``start()``/``stop()`` a server on one port; ``messages`` what it received."""

    def __init__(self, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.messages: list[Received] = []
        self._controller: Optional[Controller] = None

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def take(self) -> list[Received]:
        """The messages received so far, forgetting them."""
        out, self.messages = self.messages, []
        return out
