"""The real portal, started by the project's own script, driven by Debian's Chromium.

A session fixture runs ``bin/satudata reset-demo`` and ``bin/satudata up`` against a database
of its own (``<test db>_e2e``, so concurrent runs never share it) on a free port, waits until the API answers, and stops the portal
at the end. Playwright drives ``/usr/bin/chromium`` (Playwright's own browser download cannot be
used on these machines). Screenshots of failing tests go to ``test-results/``.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bin" / "satudata"
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    test_db = os.environ.get("SATUDATA_TEST_DB", "satudata_test")
    # Redis has 16 databases: the portal's is 8 away from the test run's own
    redis_db = (int(os.environ.get("SATUDATA_TEST_REDIS_DB", "1")) + 8) % 16
    env.update(SATUDATA_HTTP_PORT=str(port), SATUDATA_DEMO_DB=f"{test_db}_e2e",
               SATUDATA_DEMO_REDIS_DB=str(redis_db))
    return env


@pytest.fixture(scope="session")
def portal_url():
    port = _free_port()
    env = _env(port)
    reset = subprocess.run([str(SCRIPT), "reset-demo"], env=env, capture_output=True,
                           text=True, timeout=900)
    assert reset.returncode == 0, reset.stderr[-3000:]
    log_path = ROOT / ".local" / "logs" / f"portal-e2e-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")
    proc = subprocess.Popen([str(SCRIPT), "up"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=5) as r:
                if json.load(r)["success"]:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            pytest.fail("the portal did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.5)
    yield url
    os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
    log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, portal_url):
    return {**browser_context_args, "base_url": portal_url, "locale": "id-ID"}
