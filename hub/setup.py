"""A one-machine classroom on JupyterHub: ``make hub STUDENTS=students.csv`` (as root, Debian).

    python3 hub/setup.py up --students students.csv [--port 8000] [--instructor instructor]
    python3 hub/setup.py stop          # the hub, its proxy and every user's server
    python3 hub/setup.py remove        # stop, and delete what `up` created (accounts included)

Standard library only: it runs with the system Python (``/usr/bin/python3``) before any
environment exists. What ``up`` makes (README, "Teaching on JupyterHub"):

    /opt/<name>/env          the shared environment every user runs (built from the system
                             Python, outside any home; root-owned, readable by all)
    /opt/<name>/proxy        configurable-http-proxy from npm (version pinned below)
    /srv/<name>/             the hub's state: jupyterhub_config.py, settings, database, logs
    /srv/nbgrader/exchange   nbgrader's exchange (mode 1777: anyone may create, only the owner
                             may rename or delete), the course's folder in it owned by the instructor
    /home/<instructor>/convlab   the instructor's course directory (a clone of this repository
                             with the gradebook in grading/): the code that grades
    /home/<student>          one account per row of the class list (password column), mode 700

Every setting has an environment variable (the Makefile passes them): HUB_NAME (convlab-hub),
HUB_PORT (8000; the hub's own API and the proxy's API take the next two unless HUB_API_PORT /
HUB_PROXY_API_PORT say otherwise), INSTRUCTOR (instructor), INSTRUCTOR_PASSWORD (default: a
random one, written to /srv/<name>/instructor-password, mode 600), HUB_EXCHANGE, HUB_RELEASE
(chapters to release, comma-separated; default all), HUB_ENV_FROM (an installed environment of
this repository, e.g. its .venv: its packages are copied by hard links instead of downloaded
again, when its Python has the system Python's version; the pins are checked either way).
Running ``up`` again keeps accounts, course directory, gradebook and exchange, reinstalls the
course package from the instructor's course directory and restarts the hub.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SYSTEM_PYTHON = "/usr/bin/python3"
PROXY_VERSION = "5.3.0"                      # configurable-http-proxy (npm)
COURSE_FOLDER = "convlab"                    # the course directory in the instructor's home
USERNAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
# nbgrader lab extensions and server extensions for the instructor only
INSTRUCTOR_LABEXTENSIONS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                            "@jupyter/nbgrader:course-list"]
INSTRUCTOR_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader",
                                "nbgrader.server_extensions.course_list"]


class Settings:
    def __init__(self, name=None, port=None, instructor=None, exchange=None):
        env = os.environ
        self.name = name or env.get("HUB_NAME") or "convlab-hub"
        self.port = int(port or env.get("HUB_PORT") or 8000)
        self.api_port = int(env.get("HUB_API_PORT") or self.port + 1)
        self.proxy_api_port = int(env.get("HUB_PROXY_API_PORT") or self.port + 2)
        self.instructor = instructor or env.get("INSTRUCTOR") or "instructor"
        self.exchange = Path(exchange or env.get("HUB_EXCHANGE") or "/srv/nbgrader/exchange")
        self.prefix = Path(env.get("HUB_PREFIX") or f"/opt/{self.name}")
        self.state = Path(env.get("HUB_STATE") or f"/srv/{self.name}")
        self.env = self.prefix / "env"
        self.proxy = self.prefix / "proxy"
        self.profile = Path(f"/etc/profile.d/{self.name}.sh")

    @property
    def course_dir(self) -> Path:
        return Path(pwd.getpwnam(self.instructor).pw_dir) / COURSE_FOLDER

    def saved(self) -> dict:
        path = self.state / "settings.json"
        return json.loads(path.read_text()) if path.is_file() else {}


def log(message: str) -> None:
    print(f"[hub] {message}", flush=True)


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


# --- the class list ------------------------------------------------------------------------------
def read_class_list(path: Path) -> list:
    """Rows of the class list (the CSV of `setup`, plus a password column for local accounts)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    problems = []
    for i, row in enumerate(rows, start=2):
        sid = (row.get("id") or "").strip()
        if not USERNAME.fullmatch(sid):
            problems.append(f"line {i}: id {sid!r} is not a Unix user name (lowercase letters, "
                            f"digits, _ or -; a letter first)")
        if not (row.get("password") or "").strip():
            problems.append(f"line {i}: student {sid!r} has no password (a `password` column "
                            f"is needed for local accounts)")
    if not rows:
        problems.append("no students")
    if problems:
        raise SystemExit(f"{path}: " + "; ".join(problems))
    return rows


# --- accounts -----------------------------------------------------------------------------------
def ensure_account(user: str, password: str, full_name: str, created: list) -> None:
    try:
        pwd.getpwnam(user)
    except KeyError:
        run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", full_name, user])
        created.append(user)
    run(["chpasswd"], input=f"{user}:{password}\n", text=True)
    home = Path(pwd.getpwnam(user).pw_dir)
    home.chmod(0o700)      # Debian's useradd makes homes 755: classmates could read everything


def as_user(user: str, cmd: list, cwd: Path, settings: Settings, check=True, **kw):
    """Run ``cmd`` as ``user`` with the shared environment first on PATH (the course directory's
    code first on sys.path for the instructor)."""
    entry = pwd.getpwnam(user)
    env = {"HOME": entry.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
           "PATH": f"{settings.env}/bin:/usr/local/bin:/usr/bin:/bin",
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    if user == settings.instructor:
        env["PYTHONPATH"] = str(settings.course_dir)
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, user=entry.pw_uid,
                          group=entry.pw_gid, extra_groups=[], check=check, **kw)


# --- the shared environment ---------------------------------------------------------------------
def pins(course: Path) -> dict:
    """{name: version} of the course's pyproject.toml: its dependencies and the hub extra."""
    project = tomllib.loads((course / "pyproject.toml").read_text())["project"]
    found = {}
    for req in project["dependencies"] + project["optional-dependencies"]["hub"]:
        name, _, version = req.partition("==")
        found[name.strip().lower()] = version.strip()
    return found


def _python_version(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def _seed_usable(seed: Path | None) -> str:
    """'' when ``seed`` (an installed environment) can be copied; else why not."""
    if seed is None:
        return "no HUB_ENV_FROM"
    cfg = seed / "pyvenv.cfg"
    if not cfg.is_file():
        return f"{seed} is not a virtual environment"
    version = re.search(r"^version(?:_info)?\s*=\s*(\d+\.\d+)", cfg.read_text(), re.M)
    system = _python_version(Path(SYSTEM_PYTHON))
    if not version or version.group(1) != system:
        return (f"{seed} was made with Python {version.group(1) if version else '?'}, the system "
                f"Python is {system}")
    return ""


def _copy_seed(seed: Path, env: Path) -> None:
    """The seed environment's packages, by hard links (same file system) or copies: no second
    download of TensorFlow. Scripts get this environment's interpreter; the seed's editable
    install of the course is left out (the course package is installed from the course dir)."""
    version = _python_version(Path(SYSTEM_PYTHON))
    site = f"lib/python{version}/site-packages"
    src, dest = seed / site, env / site
    try:
        run(["cp", "-al", f"{src}/.", dest])
    except subprocess.CalledProcessError:
        run(["cp", "-a", f"{src}/.", dest])
    for stale in list(dest.glob("__editable__*convlab*")) + list(dest.glob("convlab-*.dist-info")):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    for folder in ("share", "etc"):
        if (seed / folder).is_dir():
            run(["cp", "-a", f"{seed / folder}/.", env / folder])
    old = f"#!{seed}/bin/python"
    for script in (seed / "bin").iterdir():
        target = env / "bin" / script.name
        if script.is_symlink() or target.exists() or script.name.startswith("activate"):
            continue
        data = script.read_bytes()
        if data.startswith(old.encode()):
            first, _, rest = data.partition(b"\n")
            data = f"#!{env}/bin/python".encode() + first[len(old):].lstrip(b"0123456789.") \
                + b"\n" + rest
        target.write_bytes(data)
        target.chmod(0o755)


REQUIRES_PYTHON_CHECK = """
import json, platform
from importlib import metadata
from pip._vendor.packaging.specifiers import SpecifierSet
here = platform.python_version()
print(json.dumps(sorted({d.metadata["Name"] for d in metadata.distributions()
                         if d.metadata.get("Requires-Python")
                         and here not in SpecifierSet(d.metadata["Requires-Python"])})))
"""


def _course_package_copy(course: Path) -> Path:
    """What pip needs to build the course package, copied out of the course directory (pip
    builds in the source tree: no root-owned build files in the instructor's folder)."""
    tmp = Path(tempfile.mkdtemp(prefix="convlab-package-"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(course / name, tmp / name)
    for package in ("convlab", "autograder", "data_scripts"):
        if (course / package).is_dir():
            shutil.copytree(course / package, tmp / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return tmp


def build_environment(settings: Settings, course: Path, seed: Path | None) -> str:
    """The shared environment at /opt/<name>/env; returns how it was made."""
    env = settings.env
    python = env / "bin" / "python"
    how = "kept"
    if not python.exists():
        why_not = _seed_usable(seed)
        env.parent.mkdir(parents=True, exist_ok=True)
        if not why_not:
            run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", env])
            _copy_seed(seed, env)
            how = f"packages copied from {seed}"
            # same minor version, maybe not the same patch release: a copied package that
            # excludes this Python (soupsieve 4.1 needs 3.11.5; Debian 12 has 3.11.2) is
            # replaced by the newest release that allows it, as pip would have chosen
            unfit = json.loads(subprocess.run([str(python), "-c", REQUIRES_PYTHON_CHECK],
                                              capture_output=True, text=True,
                                              check=True).stdout)
            if unfit:
                run([python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps",
                     *unfit])
                how += f" (reinstalled for this Python: {', '.join(unfit)})"
            run([python, "-m", "pip", "check"], stdout=subprocess.DEVNULL)
        else:
            run([SYSTEM_PYTHON, "-m", "venv", env])
            run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
            run([python, "-m", "pip", "install", "--quiet"]
                + [f"{n}=={v}" for n, v in pins(course).items()])
            how = f"installed from PyPI ({why_not})"
    package = _course_package_copy(course)
    try:   # the course package as the instructor's directory has it now (not editable)
        run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall",
             package])
    finally:
        shutil.rmtree(package, ignore_errors=True)
    check = (f"import importlib.metadata as m, json; want = json.loads({json.dumps(json.dumps(pins(course)))}); "
             "bad = {n: (v, m.version(n)) for n, v in want.items() if m.version(n) != v}; "
             "print(json.dumps(bad))")
    bad = json.loads(subprocess.run([str(python), "-c", check], capture_output=True, text=True,
                                    check=True).stdout)
    if bad:
        raise SystemExit(f"{env}: installed versions differ from pyproject.toml's pins: {bad}")
    _configure_extensions(env)
    run(["chmod", "-R", "a+rX,go-w", env])
    return how


def _write_new(path: Path, text: str) -> None:
    """Replace a file without writing into it (it may be a hard link to the seed's file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    path.write_text(text)


def _configure_extensions(env: Path) -> None:
    """Students see the Assignment List only: the formgrader, Create Assignment and the course
    list are off for everyone in the environment; the instructor's own config turns them on."""
    server = env / "etc/jupyter/jupyter_server_config.d/nbgrader.json"
    _write_new(server, json.dumps({"ServerApp": {"jpserver_extensions": {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.validate_assignment": True,
        "nbgrader.server_extensions.assignment_list": True,
        "nbgrader.server_extensions.course_list": False}}}, indent=2))
    _write_new(env / "etc/jupyter/labconfig/page_config.json", json.dumps(
        {"disabledExtensions": {name: True for name in INSTRUCTOR_LABEXTENSIONS}}, indent=2))


def nbgrader_system_config(settings: Settings) -> None:
    """Where every user's nbgrader finds the exchange and the course id (the environment's own
    etc/jupyter: read by its nbgrader only)."""
    template = (HERE / "nbgrader_config.py").read_text()
    _write_new(settings.env / "etc/jupyter/nbgrader_config.py",
               template.replace("@EXCHANGE@", str(settings.exchange))
               .replace("@COURSE_ID@", _course_id()))
    (settings.env / "etc/jupyter/nbgrader_config.py").chmod(0o644)


def _course_id() -> str:
    text = (REPO / "autograder" / "paths.py").read_text()
    return re.search(r'^COURSE_ID = "([^"]+)"', text, re.M).group(1)


def install_proxy(settings: Settings) -> Path:
    binary = settings.proxy / "node_modules/.bin/configurable-http-proxy"
    package = settings.proxy / "node_modules/configurable-http-proxy/package.json"
    if not (package.is_file() and json.loads(package.read_text())["version"] == PROXY_VERSION):
        settings.proxy.mkdir(parents=True, exist_ok=True)
        run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", settings.proxy,
             f"configurable-http-proxy@{PROXY_VERSION}"])
        run(["chmod", "-R", "a+rX,go-w", settings.proxy])
    return binary


# --- the course ---------------------------------------------------------------------------------
def clone_course(settings: Settings) -> Path:
    """The instructor's course directory: a clone of this repository (committed state), made
    once and then kept (it is the instructor's). Root clones it and hands it over: a clone of a
    root-owned repository made by the instructor fails ("dubious ownership")."""
    course = settings.course_dir
    user = pwd.getpwnam(settings.instructor)
    if not course.exists():
        run(["git", "clone", "--quiet", "--no-hardlinks", REPO, course])
        run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", course])
    course.chmod(0o700)
    return course


def course_directory(settings: Settings, class_list: list, release: list) -> Path:
    """The instructor's course directory (cloned once, then kept: it is the instructor's), the
    gradebook with the class list, and the chapters released to the exchange."""
    course = settings.course_dir
    user = pwd.getpwnam(settings.instructor)
    roster = course / "students.csv"
    fields = [f for f in class_list[0] if f != "password"]
    with open(roster, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(class_list)
    os.chown(roster, user.pw_uid, user.pw_gid)
    roster.chmod(0o600)
    # the instructor's own Jupyter config: the nbgrader tools on, and the formgrader framed
    # (jupyterhub-singleuser sends frame-ancestors 'none', which blanks the formgrader tab)
    home = Path(user.pw_dir)
    config = home / ".jupyter"
    files = {
        config / "jupyter_server_config.json": json.dumps({"ServerApp": {
            "jpserver_extensions": {name: True for name in INSTRUCTOR_SERVER_EXTENSIONS},
            "tornado_settings": {"headers": {
                "Content-Security-Policy": "frame-ancestors 'self'"}}}}, indent=2),
        config / "labconfig/page_config.json": json.dumps(
            {"disabledExtensions": {name: False for name in INSTRUCTOR_LABEXTENSIONS}}, indent=2),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    bashrc = home / ".bashrc"
    line = f"export PYTHONPATH={course}   # the course directory's code first ({settings.name})\n"
    if line not in (bashrc.read_text() if bashrc.exists() else ""):
        with open(bashrc, "a") as f:
            f.write(line)
    run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", config, bashrc])
    as_user(settings.instructor, ["python", "-m", "autograder", "setup", "--students", roster],
            course, settings, stdout=subprocess.DEVNULL)
    for chapter in release:
        as_user(settings.instructor, ["nbgrader", "release_assignment", chapter, "--force"],
                course, settings, capture_output=True)
    return course


def exchange_root(settings: Settings) -> None:
    # as nbgrader documents it: everyone may write; the sticky bit keeps each course's folder
    # (the instructor's) from being renamed or deleted by anyone else
    settings.exchange.mkdir(parents=True, exist_ok=True)
    settings.exchange.chmod(0o1777)


# --- the hub ------------------------------------------------------------------------------------
def write_hub_config(settings: Settings, users: list, proxy: Path) -> None:
    settings.state.mkdir(parents=True, exist_ok=True)
    settings.state.chmod(0o700)
    shutil.copy(HERE / "jupyterhub_config.py", settings.state / "jupyterhub_config.py")
    (settings.state / "settings.json").write_text(json.dumps({
        "name": settings.name, "port": settings.port, "api_port": settings.api_port,
        "proxy_api_port": settings.proxy_api_port, "instructor": settings.instructor,
        "users": users, "env": str(settings.env), "proxy": str(proxy),
        "course_dir": str(settings.course_dir), "state": str(settings.state),
        "exchange": str(settings.exchange), "prefix": str(settings.prefix),
        "profile": str(settings.profile),
        "created_accounts": sorted(set(settings.saved().get("created_accounts", []))
                                   | set(getattr(settings, "created", [])))}, indent=2))


def start_hub(settings: Settings, timeout: float = 120) -> None:
    stop_hub(settings, quiet=True)
    logfile = open(settings.state / "jupyterhub.log", "a")
    env = {"PATH": f"{settings.env}/bin:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "HOME": "/root"}
    proc = subprocess.Popen([str(settings.env / "bin/jupyterhub"), "-f",
                             str(settings.state / "jupyterhub_config.py")],
                            cwd=settings.state, env=env, stdout=logfile, stderr=subprocess.STDOUT,
                            start_new_session=True)
    (settings.state / "hub.pid").write_text(str(proc.pid))
    url = f"http://127.0.0.1:{settings.port}/hub/api"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = (settings.state / "jupyterhub.log").read_text()[-3000:]
            raise SystemExit(f"JupyterHub did not start on {url}:\n{tail}")
        time.sleep(0.3)   # polling a readiness check


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return Path(f"/proc/{pid}").exists() and "Z" not in \
        Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]


def _wait_gone(pids: list, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [p for p in pids if _alive(p)]
        if not pids:
            return []
        time.sleep(0.2)
    return [p for p in pids if _alive(p)]


def _pid_from(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _processes_of(uids: set) -> list:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def stop_hub(settings: Settings, quiet: bool = False) -> None:
    """Stop the hub (it stops the users' servers and its proxy), then anything of theirs that is
    left: the proxy by its pid file, the class's processes by uid."""
    hub = _pid_from(settings.state / "hub.pid")
    if hub and _alive(hub):
        os.kill(hub, signal.SIGTERM)
        if _wait_gone([hub], 60):
            os.killpg(hub, signal.SIGKILL)
    proxy = _pid_from(settings.state / "proxy.pid")
    if proxy and _alive(proxy):
        os.kill(proxy, signal.SIGTERM)
        _wait_gone([proxy], 10)
    users = settings.saved().get("users", [])
    uids = set()
    for user in users:
        try:
            uids.add(pwd.getpwnam(user).pw_uid)
        except KeyError:
            pass
    uids.discard(0)
    left = _processes_of(uids)
    for pid in left:      # single-user servers and kernels the hub did not end
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for pid in _wait_gone(left, 10):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for name in ("hub.pid", "proxy.pid"):
        (settings.state / name).unlink(missing_ok=True)
    if not quiet:
        log("stopped" if hub else "was not running")


def remove(settings: Settings) -> None:
    """Stop, then delete what ``up`` created: the accounts it created (with their homes), the
    course's folder in the exchange, the environment, the proxy, the state, the profile file."""
    saved = settings.saved()
    stop_hub(settings, quiet=True)
    for user in saved.get("created_accounts", []):
        subprocess.run(["userdel", "--remove", user], capture_output=True)
    exchange = Path(saved.get("exchange", settings.exchange))
    shutil.rmtree(exchange / _course_id(), ignore_errors=True)
    for path in (settings.prefix, settings.state):
        shutil.rmtree(path, ignore_errors=True)
    settings.profile.unlink(missing_ok=True)
    log(f"removed {settings.name}")


def up(args) -> None:
    if os.geteuid() != 0:
        raise SystemExit("make hub sets up accounts and a hub: run it as root (sudo make hub ...)")
    started = time.monotonic()
    settings = Settings(port=args.port, instructor=args.instructor)
    class_list = read_class_list(Path(args.students))
    students = [row["id"].strip() for row in class_list]
    if settings.instructor in students:
        raise SystemExit(f"the instructor {settings.instructor!r} is also in the class list")
    settings.created = []
    password = os.environ.get("INSTRUCTOR_PASSWORD") or ""
    settings.state.mkdir(parents=True, exist_ok=True)
    settings.state.chmod(0o700)
    saved_password = settings.state / "instructor-password"
    if not password:
        password = saved_password.read_text().strip() if saved_password.is_file() \
            else secrets.token_urlsafe(12)
    saved_password.write_text(password + "\n")
    saved_password.chmod(0o600)
    ensure_account(settings.instructor, password, "Instructor", settings.created)
    for row in class_list:
        name = " ".join(x for x in (row.get("first_name"), row.get("last_name")) if x) or row["id"]
        ensure_account(row["id"].strip(), row["password"].strip(), name, settings.created)
    log(f"accounts: {settings.instructor} and {len(students)} students "
        f"({len(settings.created)} new)")
    t = time.monotonic()
    proxy = install_proxy(settings)
    log(f"configurable-http-proxy {PROXY_VERSION} in {settings.proxy} ({time.monotonic() - t:.0f} s)")
    t = time.monotonic()
    course_src = clone_course(settings)
    seed = Path(args.env_from).resolve() if args.env_from else None
    how = build_environment(settings, course_src, seed)
    nbgrader_system_config(settings)
    settings.profile.write_text(
        f"# {settings.name}: the class's shared environment (make hub)\n"
        f"case \":$PATH:\" in *\":{settings.env}/bin:\"*) ;; "
        f"*) export PATH=\"{settings.env}/bin:$PATH\" ;; esac\n")
    settings.profile.chmod(0o644)
    log(f"shared environment {settings.env}: {how} ({time.monotonic() - t:.0f} s)")
    exchange_root(settings)
    release = [c.strip() for c in (args.release or "").split(",") if c.strip()] or sorted(
        p.name for p in (course_src / "course").iterdir()
        if p.is_dir() and (course_src / "solutions" / p.name).is_dir())   # not course/zh_CN
    t = time.monotonic()
    course = course_directory(settings, class_list, release)
    log(f"course directory {course} (gradebook, class list); released to {settings.exchange}: "
        f"{', '.join(release)} ({time.monotonic() - t:.0f} s)")
    write_hub_config(settings, [settings.instructor] + students, proxy)
    start_hub(settings)
    log(f"JupyterHub at http://127.0.0.1:{settings.port}/ (127.0.0.1 only); instructor "
        f"{settings.instructor} (password in {saved_password}); {len(students)} students; "
        f"make hub took {time.monotonic() - started:.0f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up", help="set up (or update) the classroom and start the hub")
    p.add_argument("--students", required=True, help="class list CSV with a password column")
    p.add_argument("--port", help="the hub's port on 127.0.0.1 (HUB_PORT, default 8000)")
    p.add_argument("--instructor", help="the instructor's account (INSTRUCTOR, default instructor)")
    p.add_argument("--env-from", default=os.environ.get("HUB_ENV_FROM"),
                   help="an installed environment of this repository to copy packages from")
    p.add_argument("--release", default=os.environ.get("HUB_RELEASE"),
                   help="chapters to release, comma-separated (default: all)")
    sub.add_parser("stop", help="stop the hub and every user's server")
    sub.add_parser("remove", help="stop and delete what `up` created (accounts included)")
    args = parser.parse_args(argv)
    if args.command == "up":
        up(args)
    elif args.command == "stop":
        stop_hub(Settings())
    else:
        remove(Settings())
    return 0


if __name__ == "__main__":
    sys.exit(main())
