#!/usr/bin/env python3
"""The demo's SMTP sink: accepts every message on 127.0.0.1 and writes it to a folder.

``bin/satudata up`` starts it (port ``SATUDATA_SMTP_PORT``, default 58025) and points the
portal's ``smtp.server`` at it, so what the portal sends lands in ``.local/mail/`` as one
``.eml`` file per recipient, readable with any mail program or a text editor. Nothing is ever
delivered anywhere. It stops with ``bin/satudata up`` (``--parent``) or ``bin/satudata stop``.
Usage: ``mail-sink.py --port 58025 --dir .local/mail [--parent PID]``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import itertools
import os
import pathlib
import re
import signal
import threading

from aiosmtpd.controller import Controller

_counter = itertools.count(1)


class FolderHandler:
    def __init__(self, folder: pathlib.Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        for to in envelope.rcpt_tos:
            safe = re.sub(r"[^A-Za-z0-9@._-]", "_", to)
            path = self.folder / f"{stamp}-{next(_counter):04d}-{safe}.eml"
            path.write_bytes(envelope.content)
            print(f"{path.name}: {message['Subject']}", flush=True)
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=58025)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--parent", type=int, default=0,
                        help="stop when this process (bin/satudata up) is gone")
    args = parser.parse_args()
    folder = pathlib.Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(FolderHandler(folder), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"mail sink on 127.0.0.1:{args.port}, writing to {folder}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1):
        if args.parent and not _alive(args.parent):
            break
    controller.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    main()
