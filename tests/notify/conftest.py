"""Fixtures of the notification tests: a real SMTP server and a real RQ worker."""
from __future__ import annotations

import signal
from typing import Iterator

import pytest
import rq

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import jobs

from .smtp_sink import SmtpSink


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    """An aiosmtpd server, for the whole module; each test points ``smtp.server`` at it."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(autouse=True)
def _smtp_server(smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> None:
    # CKAN's pytest plugin restores the config after each test
    monkeypatch.setitem(tk.config, "smtp.server", smtp.server)


def run_jobs() -> None:
    """Run every queued job with CKAN's worker (burst: until the queues are empty), in this
    process (rq's SimpleWorker way: no fork), as ``ckan jobs worker`` would run them."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    main_work_horse, execute_job = rq.Worker.main_work_horse, rq.Worker.execute_job
    rq.Worker.main_work_horse = rq.SimpleWorker.main_work_horse  # type: ignore[method-assign]
    rq.Worker.execute_job = rq.SimpleWorker.execute_job  # type: ignore[method-assign]
    try:
        jobs.Worker(["default"]).work(burst=True)
    finally:
        rq.Worker.main_work_horse = main_work_horse  # type: ignore[method-assign]
        rq.Worker.execute_job = execute_job  # type: ignore[method-assign]
        for sig, handler in handlers.items():  # rq installs its own: put pytest's back
            signal.signal(sig, handler)
    model.Session.expire_all()
