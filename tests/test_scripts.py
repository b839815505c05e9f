"""bin/satudata: the project's own services recover from crashes and explain port clashes.

These tests start a second, throw-away PostgreSQL cluster and Redis (SATUDATA_HOME points the
script at a scratch folder inside the project's ignored .local/), on ports of their own, so they
never touch the services the rest of the suite is using.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bin" / "satudata"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def scratch():
    home = ROOT / ".local" / f"scripts-test-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = dict(os.environ)
    for key in list(env):
        if key.startswith(("CKAN_", "SATUDATA_")):
            del env[key]
    env.update(
        SATUDATA_HOME=str(home),
        SATUDATA_PG_PORT=str(_free_port()),
        SATUDATA_REDIS_PORT=str(_free_port()),
    )
    yield home, env
    subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=120)
    shutil.rmtree(home, ignore_errors=True)


def _run(env, *args, timeout=300):
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_busy_port_is_named_with_the_variable_to_change(scratch):
    home, env = scratch
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        env["SATUDATA_PG_PORT"] = str(busy)
        result = _run(env, "services")
    assert result.returncode != 0
    assert f"port {busy} (PostgreSQL) is already in use" in result.stderr
    assert "SATUDATA_PG_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_services_are_idempotent_recover_from_a_crash_and_stop_exactly_their_own(scratch):
    home, env = scratch
    pg_port, redis_port = int(env["SATUDATA_PG_PORT"]), int(env["SATUDATA_REDIS_PORT"])

    first = _run(env, "services")
    assert first.returncode == 0, first.stderr
    assert _listening(pg_port) and _listening(redis_port)
    assert (home / "pg" / "PG_VERSION").exists()

    second = _run(env, "services")
    assert second.returncode == 0, second.stderr
    assert "creating PostgreSQL cluster" not in second.stderr
    assert "starting" not in second.stderr  # reused, not restarted

    # crash both: SIGKILL leaves postmaster.pid and redis.pid behind
    pg_pid = int((home / "pg" / "postmaster.pid").read_text().split()[0])
    redis_pid = int((home / "redis" / "redis.pid").read_text().strip())
    os.kill(pg_pid, signal.SIGKILL)
    os.kill(redis_pid, signal.SIGKILL)
    for _ in range(50):
        if not _listening(pg_port) and not _listening(redis_port):
            break
        time.sleep(0.1)
    assert (home / "pg" / "postmaster.pid").exists()

    third = _run(env, "services")
    assert third.returncode == 0, third.stderr
    assert _listening(pg_port) and _listening(redis_port)

    stopped = _run(env, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not _listening(pg_port) and not _listening(redis_port)
    # the suite's own services (default ports of this run) are untouched
    main_pg = int(os.environ.get("SATUDATA_PG_PORT", "55432"))
    assert _listening(main_pg)


def test_stop_ends_the_portal_and_its_worker_started_by_up(scratch):
    """`bin/satudata stop` stops the web process and the job worker, not only their shells."""
    import json
    import urllib.request

    home, env = scratch
    http_port = _free_port()
    env.update(SATUDATA_HTTP_PORT=str(http_port), SATUDATA_DEMO_DB="satudata_scripts_test")
    log = open(home / "up.log", "w")
    up = subprocess.Popen([str(SCRIPT), "up"], env=env, stdout=log, stderr=subprocess.STDOUT,
                          start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                url = f"http://127.0.0.1:{http_port}/api/3/action/status_show"
                with urllib.request.urlopen(url, timeout=5) as r:
                    assert json.load(r)["success"]
                break
            except OSError:
                assert up.poll() is None, (home / "up.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "the portal did not start"
                time.sleep(1)
        pids = {f.stem: int(f.read_text()) for f in home.glob("*-*.pid")}
        assert set(pids) == {f"ckan-{http_port}", f"worker-{http_port}"}
        def cmdline(pid: int) -> str:
            try:
                return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:  # already gone
                return ""

        # the recorded pids are gunicorn's master and the job worker's supervising loop,
        # whose child is the ckan job worker itself
        assert "gunicorn" in cmdline(pids[f"ckan-{http_port}"])
        sup = pids[f"worker-{http_port}"]
        deadline = time.monotonic() + 60
        while True:  # the loop first puts back unfinished checks, then starts the worker
            workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(sup)], text=True,
                                                      capture_output=True).stdout.split()]
            if any("jobs\0worker" in cmdline(p) for p in workers):
                break
            assert time.monotonic() < deadline, workers
            time.sleep(0.2)
        pids.update({f"job-worker-{p}": p for p in workers})

        stopped = _run(env, "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert not _listening(http_port)
        for pid in pids.values():
            state = Path(f"/proc/{pid}/stat")
            assert not state.exists() or state.read_text().split()[2] == "Z", (pid, pids)
        assert up.wait(timeout=30) is not None
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGTERM)
        log.close()
