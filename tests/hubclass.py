"""A throw-away JupyterHub classroom for the tests: ``make hub`` with an instructor and three
students of unique names, its own exchange folder and free ports; ``remove`` afterwards deletes
the accounts, their processes and every folder it made.

Needs root, Debian's useradd, npm (configurable-http-proxy) and PAM: on a developer's machine
without them the tests are skipped; with ``CI`` set they fail instead."""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder import paths

REPO = paths.REPO
CH = "01_filter_sliding"
HUB_SETUP = REPO / "hub" / "setup.py"


def unavailable_reason() -> str:
    if os.geteuid() != 0:
        return "the hub tests create accounts: run them as root (CI does)"
    for tool in ("useradd", "userdel", "chpasswd", "npm", "git", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is missing"
    if not Path("/usr/bin/python3").exists():
        return "/usr/bin/python3 is missing"
    return ""


def require_hub():
    why = unavailable_reason()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"the JupyterHub classroom cannot be set up here: {why}")
        pytest.skip(why)


def free_ports(n: int) -> list:
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Classroom:
    tag: str
    instructor: str
    students: dict                      # role (alice, bob, carol) -> account name
    passwords: dict                     # account -> password
    port: int
    env: dict                           # HUB_* variables of this classroom
    setup_seconds: float = 0.0
    setup_output: str = ""
    timings: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> Path:
        return Path(f"/srv/{self.env['HUB_NAME']}")

    @property
    def prefix(self) -> Path:
        return Path(f"/opt/{self.env['HUB_NAME']}")

    @property
    def exchange(self) -> Path:
        return Path(self.env["HUB_EXCHANGE"])

    @property
    def course(self) -> Path:
        return Path(pwd.getpwnam(self.instructor).pw_dir) / "convlab"

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    def instructor_password(self) -> str:
        return (self.state / "instructor-password").read_text().strip()

    def as_user(self, user: str, *cmd, cwd=None, input=None, timeout=900):
        """Run ``cmd`` as ``user`` with the class's environment on PATH (a login's view);
        the instructor's with the course directory's code first, as in the hub."""
        home = self.home(user)
        env = {"HOME": str(home), "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
               "PATH": f"{self.prefix}/env/bin:/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"}
        if user == self.instructor:
            env["PYTHONPATH"] = str(self.course)
        return subprocess.run(["runuser", "-u", user, "--", "env", "-i",
                               *[f"{k}={v}" for k, v in env.items()], *map(str, cmd)],
                              cwd=str(cwd or home), input=input, capture_output=True, text=True,
                              timeout=timeout)

    def write_as(self, user: str, path: Path, text: str):
        proc = self.as_user(user, "tee", path, input=text)
        assert proc.returncode == 0, proc.stderr

    def instructor_cli(self, *args, timeout=1200):
        """``python -m autograder ...`` as the instructor in the course directory."""
        return self.as_user(self.instructor, "python", "-m", "autograder", *args,
                            cwd=self.course, timeout=timeout)


def hub_command(room_env: dict, *args, timeout=1800):
    return subprocess.run(["/usr/bin/python3", str(HUB_SETUP), *args], env=room_env, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def start_classroom() -> Classroom:
    """``make hub`` for a class of three; the caller must call :func:`remove_classroom`."""
    tag = "cv" + secrets.token_hex(3)
    # digits in a user name are fine, but the name must start with a letter: the tag does
    students = {role: f"{tag}{role}" for role in ("alice", "bob", "carol")}
    instructor = f"{tag}teacher"
    passwords = {name: secrets.token_urlsafe(10) for name in [instructor, *students.values()]}
    port, api_port, proxy_api_port = free_ports(3)
    work = Path(f"/tmp/{tag}-class")
    work.mkdir(mode=0o700)
    roster = work / "students.csv"
    roster.write_text("id,first_name,last_name,email,lms_user_id,password\n" + "".join(
        f"{name},{role.title()},Test,{name}@uni.example,{9000 + i},{passwords[name]}\n"
        for i, (role, name) in enumerate(students.items())))
    env = dict(os.environ)
    env.update(HUB_NAME=tag, HUB_EXCHANGE=f"/srv/{tag}-exchange", HUB_RELEASE=CH,
               HUB_API_PORT=str(api_port), HUB_PROXY_API_PORT=str(proxy_api_port),
               INSTRUCTOR_PASSWORD=passwords[instructor])
    room = Classroom(tag, instructor, students, passwords, port,
                     {k: env[k] for k in env if k.startswith("HUB_")})
    started = time.monotonic()
    # the Makefile's target, as an instructor types it (it copies .venv's packages when it can)
    proc = subprocess.run(["make", "--no-print-directory", "hub", f"STUDENTS={roster}",
                           f"HUB_PORT={port}", f"INSTRUCTOR={instructor}"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    room.setup_seconds = time.monotonic() - started
    room.setup_output = proc.stdout + proc.stderr
    shutil.rmtree(work, ignore_errors=True)      # the passwords are in the accounts now
    if proc.returncode != 0:
        remove_classroom(room)
        raise AssertionError(f"make hub failed ({proc.returncode}):\n{room.setup_output[-6000:]}")
    return room


def remove_classroom(room: Classroom) -> None:
    env = dict(os.environ)
    env.update(room.env)
    proc = hub_command(env, "remove")
    shutil.rmtree(room.exchange, ignore_errors=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
