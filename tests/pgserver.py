"""A throw-away PostgreSQL server on 127.0.0.1 for the gradebook tests (issue 8: "PostgreSQL via
db_url must work too").

Uses the machine's PostgreSQL binaries (Debian's ``postgresql`` package; ``.ci/run`` installs it).
Without them the tests are skipped on a developer's machine and fail in CI (``CI`` set), so a
missing install step cannot hide behind a skip.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_server():
    """Yield a SQLAlchemy URL of an empty database ``gradebook`` on a fresh server; stop and
    delete the server afterwards."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        message = "PostgreSQL is not installed (Debian: apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run should have installed it")
        pytest.skip(message)
    top = Path(tempfile.mkdtemp(prefix="convlab-pg-"))
    top.chmod(0o755)
    data = top / "data"
    prefix = []
    if os.geteuid() == 0:   # the server refuses to run as root: run it as the postgres user
        user = "postgres" if _user_exists("postgres") else "nobody"
        prefix = ["runuser", "-u", user, "--"]
        data.mkdir()
        shutil.chown(data, user)
        shutil.chown(top, user)
    port = _free_port()
    log = top / "server.log"

    def run(*cmd):
        proc = subprocess.run(prefix + [str(bin_dir / cmd[0]), *cmd[1:]], capture_output=True,
                              text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {proc.stdout}{proc.stderr}"
                               + (log.read_text() if log.exists() else ""))
        return proc

    try:
        run("initdb", "-D", str(data), "-A", "trust", "-U", "convlab", "--no-sync")
        run("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-p {port} -k {top} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "convlab", "gradebook")
        yield f"postgresql+psycopg2://convlab@127.0.0.1:{port}/gradebook"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(prefix + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "-w", "stop"], capture_output=True, timeout=60)
        time.sleep(0.2)
        shutil.rmtree(top, ignore_errors=True)


def _user_exists(name: str) -> bool:
    import pwd
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
