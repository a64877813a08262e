"""Student code isolated by the operating system, with bubblewrap (issue 16).

Everything a submission runs (nbgrader's grading kernel, the re-check's sandbox process) can be
started through this module. With bubblewrap (``bwrap``, Debian package ``bubblewrap``) the
command:

* sees read-only: /usr (and the /bin, /lib... links into it), a few files of /etc, the Python
  environment (``sys.prefix``, ``sys.base_prefix``), the course package ``convlab``, and what the
  caller lists; nothing else of the machine: no course root (``solutions/``, the gradebook, other
  students' folders, the data folder), no /root, no /home;
* writes only to its private scratch: a size-capped tmpfs on /tmp (working folder and HOME
  :data:`WORKDIR`) that is gone when the command ends;
* has its own network namespace (only a loopback where nobody listens: connecting to 127.0.0.1
  is refused), PID namespace (a fresh /proc shows only its own processes), IPC and UTS
  namespaces, and a new session;
* runs unprivileged: as root, under a uid of its own (:data:`UID_BASE` + a slot leased for the
  sandbox's lifetime), without capabilities and with no_new_privs; as a normal user, under the
  user's own uid inside a user namespace;
* gets a scrubbed environment: ``--clearenv`` and an allow-list (:func:`sandbox_environment`);
* runs under resource limits (:class:`Limits`): tasks, open files, file size, address space, CPU;
* dies with its starter: ``--die-with-parent`` kills the sandbox's PID 1 when the process that
  started bwrap dies, and when PID 1 of a PID namespace dies the kernel kills every process in
  it, however it detached itself (new session, double fork, a sleeper holding a pipe).

Limits are set inside the sandbox, by util-linux ``prlimit`` right before the command, not on
bwrap itself (``preexec_fn``): RLIMIT_NPROC counts the tasks (threads too) of the *real uid*,
since Linux 5.14 per (user namespace, uid). Set inside, the count is the sandbox's own: as root,
the uid belongs to this sandbox alone (with a shared uid such as 65534, one student's fork bomb
would starve another student's grading kernel of threads; uid 0 is never limited at all); as a
normal user, the sandbox's user namespace keeps its own count (on bwrap, the limit would also
count every process of the user's session). And ``preexec_fn`` is unsafe in a process with
threads, like jupyter_client's.

Fallback (:func:`enabled`): bwrap works -> isolated. Otherwise, with ``CI=true`` or on Linux ->
:class:`IsolationUnavailable` (install bubblewrap; outside CI, ``CONVLAB_ISOLATION=off`` runs
unisolated on purpose); elsewhere (a macOS self-learner) the command runs unisolated and one
line on stderr says "isolation is off: ...".

nbgrader's kernel: :class:`IsolatedKernelManager` starts ipykernel inside the sandbox over
ZeroMQ's ipc transport (Unix sockets on the sandbox's own /tmp, reached from outside through
``/proc/<pid>/root``, so nothing on the host is writable for the kernel);
:func:`configure_nbgrader` puts it into ``nbgrader autograde`` (see /work/notes/isolation.md).
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path

from autograder import hidden

SCRATCH = "/tmp"                       # the sandbox's only writable place (a tmpfs)
WORKDIR = "/tmp/work"                  # its working folder and HOME
SHM_MB = 64                            # /dev/shm (POSIX semaphores, multiprocessing), a tmpfs too
# As root, every sandbox runs under a uid of its own from this range (no account needed): far
# above the ranges of accounts (1000+), systemd's dynamic users and containers' subuids.
UID_BASE = int(os.environ.get("CONVLAB_SANDBOX_UID_BASE", "2000000000"))
UID_SLOTS = 4096
UID_LEASES = Path("/run" if os.path.isdir("/run") else tempfile.gettempdir(), "convlab-sandbox-uids")
# /etc entries the dynamic linker, locales, fontconfig (matplotlib runs fc-list) and mimetypes use
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "alternatives",
               "mime.types")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# the course root: never visible, whole or through an ancestor (solutions, gradebook, students)
_REPO = Path(__file__).resolve().parent.parent
_TRUE_WORDS = ("1", "true", "yes", "on")


class IsolationUnavailable(RuntimeError):
    """Student code must run isolated here, and bubblewrap cannot do it."""


def _default_processes() -> int:
    # TensorFlow starts about two threads per core plus ipykernel's; threads count as tasks
    return max(256, 4 * (os.cpu_count() or 1) + 64)


@dataclass(frozen=True)
class Limits:
    """Resource limits of a sandbox (each process in it; tasks and scratch for all of it)."""

    processes: int = field(default_factory=_default_processes)  # tasks, threads included
    open_files: int = 1024
    file_size_mb: int = 256            # largest file it can write
    memory_mb: int = 8192              # address space of each process (TensorFlow maps ~3 GB)
    cpu_seconds: int = 1800            # CPU time of each process (grading's wall limit: 30 min)
    scratch_mb: int = 512              # everything it writes, together

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits.{f.name} must be a positive whole number, got {value!r}")

    def prlimit_args(self) -> list:
        mb = 1024 * 1024
        pairs = (("nproc", self.processes), ("nofile", self.open_files),
                 ("fsize", self.file_size_mb * mb), ("as", self.memory_mb * mb),
                 ("cpu", self.cpu_seconds), ("core", 0))
        return [f"--{name}={value}:{value}" for name, value in pairs]

    @classmethod
    def with_overrides(cls, overrides: dict) -> "Limits":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown sandbox limits {unknown}: expected some of {sorted(known)}")
        return cls(**overrides)


# --- is isolation possible, required, on? --------------------------------------------------------
def _tool(name: str) -> str:
    """Absolute path of a tool that must also exist inside the sandbox (only /usr is there)."""
    found = shutil.which(name) or next((p for p in (f"/usr/bin/{name}", f"/usr/sbin/{name}")
                                        if os.access(p, os.X_OK)), None)
    if not found:
        return ""
    real = os.path.realpath(found)
    return real if real.startswith("/usr/") else ""


@functools.lru_cache(maxsize=None)
def unavailable_reason() -> str:
    """Why bubblewrap cannot isolate student code here, or "" when it can. Tried once for real
    (a sandboxed command, its filesystem seen from outside), then cached for the process."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if not shutil.which("bwrap"):
        return "bubblewrap (bwrap) is not installed"
    for name in ("prlimit",) + (("setpriv",) if os.geteuid() == 0 else ()):
        if not _tool(name):
            return f"util-linux's {name} was not found under /usr"
    try:
        with SandboxCommand(["cat"], _force=True) as probe:
            proc = probe.popen(stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            pid = probe.wait_ready(timeout=20)
            seen = pid is not None and os.path.isdir(f"/proc/{pid}/root{WORKDIR}")
            proc.stdin.close()
            proc.wait(timeout=20)
            error = proc.stderr.read().decode(errors="replace").strip()
            proc.stderr.close()
            if proc.returncode != 0 or pid is None:
                return "bwrap failed: " + (error.splitlines()[-1] if error else
                                           f"exit code {proc.returncode}")
            if not seen:
                return "the sandbox's files cannot be reached through /proc (CAP_SYS_PTRACE?)"
    except (OSError, ValueError, subprocess.SubprocessError, IsolationUnavailable) as exc:
        return f"bwrap failed: {exc}"
    return ""


def available() -> bool:
    """bubblewrap is installed and works here (tried once, cached)."""
    return not unavailable_reason()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in _TRUE_WORDS


@functools.lru_cache(maxsize=None)
def _note(line: str) -> None:
    print(line, file=sys.stderr, flush=True)   # once per process


def _decide() -> str:
    """"" when student code runs isolated, else the line saying isolation is off; raises
    :class:`IsolationUnavailable` where running it unisolated is not allowed."""
    ci = _in_ci()
    if os.environ.get("CONVLAB_ISOLATION", "").strip().lower() == "off" and not ci:
        return "isolation is off: CONVLAB_ISOLATION=off, student code runs with your own rights"
    reason = unavailable_reason()
    if not reason:
        return ""
    if ci or sys.platform.startswith("linux"):
        hint = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)"
        if not ci:
            hint += ", or set CONVLAB_ISOLATION=off to grade without it (only your own code)"
        why = " (CI=true: the isolation must be tested)" if ci else ""
        raise IsolationUnavailable(f"student code cannot be isolated{why}: {reason}; {hint}")
    return f"isolation is off: {reason}; student code runs with your own rights"


def enabled() -> bool:
    """Whether student code runs isolated. False only where running it unisolated is allowed,
    after saying so in one line on stderr; raises :class:`IsolationUnavailable` where not."""
    off = _decide()
    if off:
        _note(off)
    return not off


def describe() -> str:
    """One line for the command line and reports: is isolation on, and how (prints nothing)."""
    try:
        off = _decide()
    except IsolationUnavailable as exc:
        return f"isolation is unavailable: {exc}"
    if off:
        return off
    who = "a uid of its own" if os.geteuid() == 0 else "your uid in a user namespace"
    return (f"isolation is on: bubblewrap, no network, private /tmp, {who}, limits "
            + ", ".join(f"{f.name}={getattr(Limits(), f.name)}" for f in fields(Limits)))


# --- the sandbox ----------------------------------------------------------------------------------
class _UidLease:
    """A uid no other sandbox uses while this lease is held (root only): slot k of UID_SLOTS,
    held by an exclusive flock that the kernel drops when this process ends, whatever way."""

    def __init__(self):
        import fcntl

        self.fd = -1
        folder = UID_LEASES
        folder.mkdir(mode=0o700, exist_ok=True)
        st = folder.lstat()
        if not folder.is_dir() or folder.is_symlink() or st.st_uid != 0 or st.st_mode & 0o077:
            raise IsolationUnavailable(f"{folder} must be a folder of root's, mode 700")
        for slot in range(UID_SLOTS):
            fd = os.open(folder / str(slot), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.fd, self.uid = fd, UID_BASE + slot
            return
        raise IsolationUnavailable(f"all {UID_SLOTS} sandbox uids are in use")

    def release(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    __del__ = release


def sandbox_environment(home: str = WORKDIR, extra: dict | None = None) -> dict:
    """The whole environment of sandboxed code: an allow-list, no grader variables (database
    URLs, tokens, secrets). ``extra`` adds variables; a value of None removes one."""
    env = {
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "HOME": home,
        "TMPDIR": SCRATCH if home == WORKDIR else home,
        "LANG": os.environ.get("LANG", "").strip() or "C.UTF-8",
        "USER": "student",
        "LOGNAME": "student",
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def _python_dirs() -> list:
    found = []
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        real = os.path.realpath(prefix)
        if real not in found:
            found.append(real)
    return found


def _package_dir(name: str) -> str | None:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def package_sources(package: str = "autograder") -> list:
    """Every Python source file of a package of this repository: its ``.py`` files and those of
    its subpackages (folders with an ``__init__.py``), for a sandbox that runs one of its modules
    (``python -m autograder.sandbox`` imports autograder.protocol...). The code is public; the
    package's folder is not shown whole: autograder/ also holds the submissions and the gradebook
    (folders without ``__init__.py``, never entered; symbolic links are skipped)."""
    top = _package_dir(package)
    if top is None:
        raise ValueError(f"{package!r} is not an importable package")
    found = []

    def walk(folder):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_symlink():
                continue
            if entry.is_file() and entry.name.endswith(".py"):
                found.append(entry.path)
            elif entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")) \
                    and not os.path.islink(os.path.join(entry.path, "__init__.py")):
                walk(entry.path)

    walk(top)
    return found


def _matplotlib_font_cache() -> dict:
    """The grader's matplotlib font list, for the sandbox's fresh HOME (relative path -> bytes):
    without it every sandbox that plots rebuilds it (0.15-0.2 s measured), and a rebuild slower
    than 5 s logs a warning to stderr, which would cost a test cell its points. Not imported:
    read from matplotlib's cache folder (same environment, same version suffix)."""
    if os.environ.get("MPLCONFIGDIR"):
        folder = Path(os.environ["MPLCONFIGDIR"])
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "matplotlib")
    found = {}
    with contextlib.suppress(OSError):
        for path in folder.glob("fontlist-v*.json"):
            if path.is_file() and not path.is_symlink() and path.stat().st_size < 16 << 20:
                found[f".cache/matplotlib/{path.name}"] = path.read_bytes()
    return found


def _check_visible(path: str) -> str:
    real = os.path.realpath(path)
    repo = str(_REPO)
    if real == "/" or real == repo or repo.startswith(real.rstrip("/") + "/"):
        raise ValueError(f"{path} would show the whole course root ({repo}) to student code")
    if not os.path.exists(real):
        raise ValueError(f"{path} does not exist")
    return real


def _mkdirs_args(path: str, made: set) -> list:
    """bwrap creates missing parents with mode 700 (unreadable by the sandbox's uid as root):
    create each one 755 first."""
    args = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", parent]
    return args


def _workdir_entries(folder: str) -> list:
    """Top-level files and folders of ``folder`` to show in the working folder; symbolic links
    are left out (bwrap resolves bind sources outside the sandbox, as the grader)."""
    entries = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_symlink() or not (entry.is_file() or entry.is_dir()):
            continue
        entries.append((entry.path, f"{WORKDIR}/{entry.name}"))
    return entries


def _bwrap_argv(command: list, readonly: list, workdir_from: str | None, limits: Limits,
                env: dict, uid: int | None, info_fd: int, file_fds: dict) -> list:
    made = set()
    argv = [shutil.which("bwrap"), "--unshare-ipc", "--unshare-pid", "--unshare-net",
            "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--die-with-parent", "--new-session", "--info-fd", str(info_fd)]
    if uid is None:      # a normal user: a user namespace, the user's own uid inside
        argv += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    else:                # root: no user namespace; setpriv drops to the leased uid below
        argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_SETPCAP"]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    argv += ["--perms", "0755", "--dir", "/etc"]
    made.add("/etc")
    for name in ETC_ENTRIES:
        if os.path.exists(f"/etc/{name}"):
            argv += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    argv += ["--dev", "/dev", "--proc", "/proc",
             "--size", str(limits.scratch_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", SCRATCH,
             "--perms", "0777", "--dir", WORKDIR,
             "--size", str(SHM_MB * 1024 * 1024), "--perms", "1777", "--tmpfs", "/dev/shm"]
    made.update({SCRATCH, WORKDIR})
    # after the tmpfs: a file shown under /tmp (a connection file) must not be covered by it
    visible = _python_dirs() + [d for d in [_package_dir("convlab")] if d] + list(readonly)
    visible = [_check_visible(p) for p in visible]   # a venv *is* the course root: refused
    for path in visible:
        if path == "/usr" or path.startswith("/usr/"):
            continue
        argv += _mkdirs_args(path, made) + ["--ro-bind", path, path]
    if workdir_from:
        ours = {Path(name).parts[0] for name in file_fds}   # our files win over the folder's
        for source, dest in _workdir_entries(workdir_from):
            if Path(dest).name not in ours:
                argv += ["--ro-bind", source, dest]
    for name, fd in file_fds.items():    # bwrap copies them in: the sandbox may delete them
        folder = WORKDIR
        for part in Path(name).parts[:-1]:   # writable folders (matplotlib's cache)
            folder = f"{folder}/{part}"
            if folder not in made:
                made.add(folder)
                argv += ["--perms", "0777", "--dir", folder]
        argv += ["--perms", "0644", "--file", str(fd), f"{WORKDIR}/{name}"]
    argv += ["--chdir", WORKDIR, "--clearenv"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    argv.append("--")
    if uid is not None:
        argv += [_tool("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    return argv + [_tool("prlimit"), *limits.prlimit_args(), "--", *command]


class SandboxCommand:
    """One command to run as student code: isolated with bubblewrap when :func:`enabled`, else
    unisolated (argv unchanged) in a private temporary folder with the same scrubbed environment.

    ``readonly``: host files or folders shown read-only at the same path (beyond /usr, the
    Python environment and convlab). ``workdir_from``: a host folder whose files and folders are
    shown read-only in the working folder (the kernel's notebook folder). ``files``: name ->
    bytes, files created in the working folder (readable, deletable). ``env``: extra
    variables (None removes one). Use :meth:`popen`, or :meth:`popen_kwargs` + :meth:`attach`
    when someone else starts the process (jupyter_client); :meth:`close` ends it all.
    """

    def __init__(self, command: list, *, readonly=(), workdir_from: str | None = None,
                 files: dict | None = None, limits: Limits | None = None,
                 env: dict | None = None, _force: bool = False):
        if not command:
            raise ValueError("a command to run is needed")
        files = dict(files or {})
        for name, data in files.items():
            if not isinstance(name, str) or "/" in name or name in ("", ".", "..") \
                    or not isinstance(data, (bytes, bytearray)):
                raise ValueError(f"files: expected plain file names mapped to bytes, got "
                                 f"{name!r} -> {type(data).__name__}")
        files.update(_matplotlib_font_cache())
        self.command = [str(c) for c in command]
        self.limits = limits or Limits()
        self.isolated = True if _force else enabled()
        self.uid = None
        self.proc = None
        self._lease = None
        self._tempdir = None
        self._info_r = self._info_w = -1
        self._sandbox_pid = None
        self._file_fds = {}
        if self.isolated:
            if os.geteuid() == 0:
                self._lease = _UidLease()
                self.uid = self._lease.uid
            self._info_r, self._info_w = os.pipe()
            os.set_inheritable(self._info_w, True)
            self.env = sandbox_environment(extra=env)
            try:
                for name, data in files.items():
                    fd = os.memfd_create(name.replace("/", "_"))
                    self._file_fds[name] = fd
                    os.write(fd, data)  # memfd: no pipe to fill, whatever the size
                    os.lseek(fd, 0, os.SEEK_SET)
                self.argv = _bwrap_argv(self.command, list(readonly), workdir_from, self.limits,
                                        self.env, self.uid, self._info_w, self._file_fds)
            except BaseException:
                self.close()
                raise
            self.cwd = None
        else:
            self._tempdir = tempfile.mkdtemp(prefix="convlab-unisolated-")
            self.env = sandbox_environment(home=self._tempdir, extra=env)
            for name, data in files.items():
                Path(self._tempdir, name).parent.mkdir(parents=True, exist_ok=True)
                Path(self._tempdir, name).write_bytes(data)
            self.argv = list(self.command)
            self.cwd = self._tempdir

    # -- starting
    def popen_kwargs(self) -> dict:
        """Popen arguments the argv needs: bwrap's own environment, the info pipe, a session."""
        if self.isolated:
            return {"env": {"PATH": os.defpath, "LANG": "C.UTF-8"},
                    "pass_fds": (self._info_w, *self._file_fds.values()),
                    "start_new_session": True}
        return {"env": self.env, "cwd": self.cwd, "start_new_session": True}

    def popen(self, **kwargs) -> subprocess.Popen:
        """Start the command (Popen arguments such as stdin, stdout, pass_fds are passed on)."""
        merged = self.popen_kwargs()
        extra_fds = tuple(kwargs.pop("pass_fds", ()))
        merged["pass_fds"] = tuple(merged.get("pass_fds", ())) + extra_fds
        merged.update(kwargs)
        return self.attach(subprocess.Popen(self.argv, **merged))

    def attach(self, proc: subprocess.Popen) -> subprocess.Popen:
        """Adopt the process started with :attr:`argv` and :meth:`popen_kwargs`."""
        self.proc = proc
        self._close_parent_fds()
        return proc

    def _close_parent_fds(self):
        for fd in (self._info_w, *self._file_fds.values()):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._info_w = -1
        self._file_fds = {}

    # -- looking at it
    def sandbox_pid(self, timeout: float = 30) -> int | None:
        """PID (as seen from here) of the sandbox's PID 1, whose /proc/<pid>/root is the
        sandbox's filesystem; None if bwrap failed. Unisolated: the command's own PID."""
        if not self.isolated:
            return self.proc.pid if self.proc else None
        if self._sandbox_pid is None and self._info_r >= 0:
            data = b""
            while True:                # bwrap writes {"child-pid": N} once the sandbox exists
                ready, _, _ = select.select([self._info_r], [], [], timeout)
                if not ready:
                    break
                chunk = os.read(self._info_r, 4096)
                if not chunk:
                    break
                data += chunk
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    self._sandbox_pid = int(json.loads(data)["child-pid"])
                    break
            os.close(self._info_r)
            self._info_r = -1
        return self._sandbox_pid

    def wait_ready(self, timeout: float = 30) -> int | None:
        """Wait until the sandbox is set up (its PID 1 has started the command: bwrap forks it
        after the mounts and the pivot, so /proc/<pid>/root is then the sandbox's filesystem);
        return :meth:`sandbox_pid`, or None if the sandbox did not come up."""
        import time

        deadline = time.monotonic() + timeout
        init = self.sandbox_pid(timeout)
        if not self.isolated or init is None:
            return init
        while self._pid_two(init) is None:
            if time.monotonic() > deadline or (self.proc is not None and
                                                self.proc.poll() is not None):
                return None
            time.sleep(0.005)
        return init

    def command_pid(self, timeout: float = 30) -> int | None:
        """PID (as seen from here) of the command itself, e.g. to read its /proc/<pid>/maps;
        None when it is not running. In the sandbox it is PID 2, the first child of PID 1."""
        init = self.wait_ready(timeout)
        if not self.isolated or init is None:
            return init
        return self._pid_two(init)

    @staticmethod
    def _pid_two(init: int) -> int | None:
        try:
            with open(f"/proc/{init}/task/{init}/children") as f:
                children = [int(p) for p in f.read().split()]
        except OSError:
            return None
        for pid in children:
            with contextlib.suppress(OSError, ValueError, IndexError, StopIteration):
                with open(f"/proc/{pid}/status") as f:
                    ns_pids = next(line for line in f if line.startswith("NSpid:")).split()
                if ns_pids[-1] == "2":
                    return pid
        return None

    # -- ending
    def kill(self) -> None:
        """Kill the sandbox and every process in it (its PID 1 dies with bwrap)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        if not self.isolated and self.proc is not None:
            # unisolated, processes that left the session survive; nothing more can be done
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def close(self) -> None:
        self.kill()
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        self._close_parent_fds()
        if self._info_r >= 0:
            with contextlib.suppress(OSError):
                os.close(self._info_r)
        self._info_r = -1
        if self._lease is not None:
            self._lease.release()
            self._lease = None
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # a forgotten sandbox must not keep running, nor hold its uid lease for ever
        with contextlib.suppress(Exception):
            self.close()


# --- nbgrader's kernel ----------------------------------------------------------------------------
KERNEL_IPC = f"{SCRATCH}/kernel"       # ipc socket prefix inside the sandbox: /tmp/kernel-1...
# variables the grading kernel keeps from nbgrader's process (notebooks may look at it),
# the chapter key the hidden tests draw inputs from (autograder/hidden.py) and the language of
# the submission (convlab/i18n.py: a Chinese notebook's feedback is Chinese)
KERNEL_PASSED_ENV = ("NBGRADER_EXECUTION", hidden.KEY_ENV, "CONVLAB_LANG")


@functools.lru_cache(maxsize=None)
def _jupyter_classes() -> dict:
    """The jupyter_client / nbgrader classes, built on first use: importing nbgrader takes
    seconds, which the re-check's process (a user of this module too) should not pay."""
    from jupyter_client.manager import AsyncKernelManager
    from nbgrader.preprocessors import Execute
    from traitlets import Dict

    class IsolatedKernelManager(AsyncKernelManager):
        """A kernel manager whose kernels run in the sandbox (see the module's docstring).

        The kernel has no network, so it speaks ZeroMQ over ipc: Unix sockets it creates on its
        own /tmp, which this process reaches as /proc/<sandbox pid>/root/tmp/kernel-N. Its
        connection file (with the message key) is shown read-only at its own path, handed to the
        sandbox's uid. Interrupts go as messages: a signal to bwrap would not reach the kernel.
        """

        sandbox_limits = Dict(
            {}, help="Overrides of autograder.isolation.Limits for grading kernels, e.g. "
                     "{'memory_mb': 8192, 'cpu_seconds': 1800}").tag(config=True)

        _sandbox = None
        _private_dir = None

        async def _async_pre_start_kernel(self, **kw):
            self._end_sandbox()
            if not enabled():
                return await super()._async_pre_start_kernel(**kw)
            self._private_dir = tempfile.mkdtemp(prefix="convlab-kernel-")
            self.transport = "ipc"
            self.ip = KERNEL_IPC
            self.connection_file = os.path.join(self._private_dir, "kernel.json")
            # fixed socket numbers: nothing to look up on the host for the sandbox's /tmp
            self.shell_port, self.iopub_port, self.stdin_port = 1, 2, 3
            self.control_port, self.hb_port = 4, 5
            workdir_from = kw.pop("cwd", None)
            kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
            self.kernel_spec.interrupt_mode = "message"
            extra_env = {"MPLBACKEND": None}       # ipykernel picks its inline backend
            extra_env.update({k: os.environ[k] for k in KERNEL_PASSED_ENV if k in os.environ})
            self._sandbox = SandboxCommand(
                kernel_cmd, readonly=[self.connection_file],
                workdir_from=workdir_from if workdir_from and os.path.isdir(workdir_from) else None,
                limits=Limits.with_overrides(dict(self.sandbox_limits)), env=extra_env)
            if self._sandbox.uid is not None:
                os.chown(self.connection_file, self._sandbox.uid, self._sandbox.uid)
            kw.pop("env", None)
            kw.update(self._sandbox.popen_kwargs())
            return self._sandbox.argv, kw

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            await super()._async_launch_kernel(kernel_cmd, **kw)
            if self._sandbox is None:
                return
            self._sandbox.attach(self.provisioner.process)
            pid = self._sandbox.wait_ready(timeout=60)
            if pid is None:
                raise RuntimeError("the grading kernel's sandbox did not start (bwrap failed; "
                                   "its message is in this process's stderr)")
            self.ip = f"/proc/{pid}/root{KERNEL_IPC}"

        async def _async_cleanup_resources(self, restart: bool = False):
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                self._end_sandbox()

        cleanup_resources = _async_cleanup_resources

        def _end_sandbox(self):
            if self._sandbox is not None:
                self._sandbox.close()
                self._sandbox = None
            if self._private_dir:
                shutil.rmtree(self._private_dir, ignore_errors=True)
                self._private_dir = None

        def __del__(self):
            with contextlib.suppress(Exception):
                self._end_sandbox()
            with contextlib.suppress(Exception):
                super().__del__()

    class IsolatedExecute(Execute):
        """nbgrader's Execute preprocessor with the kernel in the sandbox. (Configuring
        ``Execute.kernel_manager_class`` does nothing: nbgrader passes its own class as an
        argument, which beats the configuration.)"""

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("kernel_manager_class", IsolatedKernelManager)
            super().__init__(*args, **kwargs)

    for cls in (IsolatedKernelManager, IsolatedExecute):
        cls.__module__, cls.__qualname__ = __name__, cls.__name__
    return {"IsolatedKernelManager": IsolatedKernelManager, "IsolatedExecute": IsolatedExecute}


def __getattr__(name):
    if name in ("IsolatedKernelManager", "IsolatedExecute"):
        classes = _jupyter_classes()
        globals().update(classes)
        return classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def autograde_preprocessors(c) -> list:
    """The autograde preprocessors configuration ``c`` sets so far, else nbgrader's default."""
    from nbgrader.converters import Autograde

    return list(c.Autograde.autograde_preprocessors if "autograde_preprocessors" in c.Autograde
                else Autograde.class_traits()["autograde_preprocessors"].default())


def configure_nbgrader(c) -> None:
    """In nbgrader_config.py (after any other change to the autograde preprocessors):
    ``isolation.configure_nbgrader(c)`` runs autograde's kernels in the sandbox, for
    ``nbgrader autograde``, the formgrader and ``python -m autograder autograde`` alike."""
    from nbgrader.preprocessors import Execute

    current = autograde_preprocessors(c)
    isolated = __getattr__("IsolatedExecute")

    def is_execute(p):
        return p is Execute or p in ("nbgrader.preprocessors.Execute",
                                     "nbgrader.preprocessors.execute.Execute")

    if not any(is_execute(p) for p in current) and isolated not in current:
        raise ValueError("nbgrader's Execute preprocessor is not among the autograde "
                         f"preprocessors {current}: nothing to isolate")
    c.Autograde.autograde_preprocessors = [isolated if is_execute(p) else p for p in current]
