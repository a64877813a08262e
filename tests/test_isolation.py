"""Student code isolated by the operating system (autograder/isolation.py, issue 16).

A sandboxed process and nbgrader's grading kernel (through nbclient and through `nbgrader
autograde`) are attacked the way a hostile submission would: read solutions/, write into the
course root, connect to a server of the grader's on 127.0.0.1, read the grader's secrets from the
environment, look at the grader's processes in /proc, fork-bomb, fill the disk, leave a process
behind. Each must fail, while honest code keeps working.

Without a working bubblewrap these tests are skipped on a developer's machine and fail in CI
(``CI=true``), so a missing install step cannot hide behind a skip.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder import isolation

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS_FILE = REPO / "solutions" / "01_filter_sliding" / "01_filter_sliding.ipynb"
SECRETS = {"CONVLAB_DB_URL": "postgresql://grader:hunter2@db/convlab",
           "GRADER_API_TOKEN": "tok-" + uuid.uuid4().hex}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


@pytest.fixture
def bwrap():
    reason = isolation.unavailable_reason()
    if reason:
        if _in_ci():
            pytest.fail(f"CI=true, and student code cannot be isolated here: {reason}")
        pytest.skip(f"student code cannot be isolated here: {reason}")


@pytest.fixture
def grader_server():
    """A server of the grader's on 127.0.0.1: sandboxed code must not reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def secrets(monkeypatch):
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    return SECRETS


# What a hostile submission tries; run as a script in a sandboxed process and as a kernel cell.
PROBE = textwrap.dedent('''
    import json, os, socket

    def probe(solutions_file, course_root, port):
        found = {}
        try:
            with open(solutions_file) as f:
                f.read()
            found["read_solutions"] = "read"
        except OSError as exc:
            found["read_solutions"] = type(exc).__name__
        try:
            with open(os.path.join(course_root, "written-by-student.txt"), "w") as f:
                f.write("x")
            found["write_course_root"] = "written"
        except OSError as exc:
            found["write_course_root"] = type(exc).__name__
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            found["connect"] = "connected"
        except OSError as exc:
            found["connect"] = type(exc).__name__
        found["environ"] = dict(os.environ)
        found["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        found["my_pid"] = os.getpid()
        found["uid"] = os.getuid()
        found["homes"] = {d: sorted(os.listdir(d)) if os.path.isdir(d) else None
                          for d in ("/root", "/home")}
        with open("scratch.txt", "w") as f:
            f.write("mine")
        found["cwd"] = os.getcwd()
        found["cwd_files"] = sorted(os.listdir("."))
        return found
''')


def run_sandboxed(code: str, *args, limits=None, timeout=60, **kwargs):
    with isolation.SandboxCommand([sys.executable, "-c", code, *map(str, args)], limits=limits,
                                  **kwargs) as sandbox:
        proc = sandbox.popen(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out.decode(), err.decode()


def assert_probe_refused(found: dict, port: int):
    assert found["read_solutions"] in ("FileNotFoundError", "PermissionError"), found
    assert found["write_course_root"] in ("FileNotFoundError", "PermissionError",
                                          "OSError"), found
    assert not (REPO / "written-by-student.txt").exists()
    assert found["connect"] == "ConnectionRefusedError", (
        f"a server listens on 127.0.0.1:{port} outside; inside: {found['connect']}")
    for key, value in SECRETS.items():
        assert key not in found["environ"], key
        assert value not in json.dumps(found["environ"]), key
    # a fresh /proc of its own PID namespace: bwrap's PID 1 and the sandboxed command
    assert found["pids"] == [1, 2] and found["my_pid"] == 2, found["pids"]
    if os.geteuid() == 0:
        assert found["uid"] >= isolation.UID_BASE, found["uid"]
    else:
        assert found["uid"] == os.getuid()
    # of the homes, only the folders leading to the Python environment
    leading = {Path(p).parts[2] for p in isolation._python_dirs()
               if len(Path(p).parts) > 2 and Path(p).parts[1] in ("root", "home")}
    for home, names in found["homes"].items():
        assert names is None or set(names) <= leading, (home, names)
    assert found["cwd"] == isolation.WORKDIR and "scratch.txt" in found["cwd_files"]


# --- the policy: when is isolation required, when may it be off ----------------------------------
@pytest.fixture
def no_bwrap(monkeypatch):
    isolation.unavailable_reason.cache_clear()
    isolation._note.cache_clear()
    monkeypatch.setattr(isolation, "unavailable_reason", lambda: "bubblewrap (bwrap) is not "
                        "installed")
    monkeypatch.delenv("CONVLAB_ISOLATION", raising=False)
    monkeypatch.delenv("CI", raising=False)
    yield monkeypatch
    isolation._note.cache_clear()


def test_ci_without_bubblewrap_refuses_to_grade(no_bwrap):
    no_bwrap.setenv("CI", "true")
    with pytest.raises(isolation.IsolationUnavailable, match="CI=true.*bwrap.*apt-get install"):
        isolation.enabled()
    no_bwrap.setenv("CONVLAB_ISOLATION", "off")          # CI must test the isolation
    with pytest.raises(isolation.IsolationUnavailable):
        isolation.SandboxCommand(["true"])


def test_linux_without_bubblewrap_refuses_unless_turned_off(no_bwrap, capsys):
    no_bwrap.setattr(sys, "platform", "linux")
    with pytest.raises(isolation.IsolationUnavailable, match="CONVLAB_ISOLATION=off"):
        isolation.enabled()
    assert isolation.describe().startswith("isolation is unavailable: ")
    no_bwrap.setenv("CONVLAB_ISOLATION", "off")
    assert isolation.enabled() is False
    assert isolation.enabled() is False
    err = capsys.readouterr().err
    assert err.count("isolation is off:") == 1 and len(err.strip().splitlines()) == 1, err


def test_macos_runs_unisolated_and_says_so_in_one_line(no_bwrap, capsys, secrets):
    no_bwrap.setattr(sys, "platform", "darwin")
    assert isolation.describe().startswith("isolation is off: bubblewrap (bwrap) is not installed")
    assert capsys.readouterr().err == ""                  # describing prints nothing
    with isolation.SandboxCommand([sys.executable, "-c", "import json, os; print(json.dumps("
                                   "[os.getcwd(), dict(os.environ)]))"],
                                  files={"cells.json": b"[]"}) as sandbox:
        assert not sandbox.isolated and sandbox.argv == sandbox.command
        proc = sandbox.popen(stdout=subprocess.PIPE)
        cwd, env = json.loads(proc.communicate(timeout=60)[0])
        assert Path(cwd, "cells.json").read_bytes() == b"[]"   # a private folder of its own
    assert not Path(cwd).exists()
    assert not set(SECRETS) & set(env)                  # the environment is scrubbed all the same
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("isolation is off: bubblewrap"), err


def test_limits_reject_nonsense():
    with pytest.raises(ValueError, match="processes must be a positive whole number"):
        isolation.Limits(processes=0)
    with pytest.raises(ValueError, match="unknown sandbox limits.*memory"):
        isolation.Limits.with_overrides({"memroy_mb": 10})
    with pytest.raises(ValueError, match="plain file names"):
        isolation.SandboxCommand(["true"], files={"../x": b""}, _force=True)


def test_describe_says_isolation_is_on(bwrap, monkeypatch):
    monkeypatch.delenv("CONVLAB_ISOLATION", raising=False)
    assert isolation.describe().startswith("isolation is on: bubblewrap, no network")


def test_package_sources_leave_out_submissions_and_the_gradebook(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "submitted" / "alice" / "ch").mkdir(parents=True)
    for path in ("__init__.py", "sandbox.py", "protocol.py", "sub/__init__.py", "sub/stage.py",
                 "submitted/alice/ch/helper.py", "gradebook.db"):
        (package / path).write_text("")
    (package / "link.py").symlink_to(package / "gradebook.db")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = {str(Path(p).relative_to(package)) for p in isolation.package_sources("pkg")}
    assert found == {"__init__.py", "sandbox.py", "protocol.py", "sub/__init__.py",
                     "sub/stage.py"}


def test_the_course_root_cannot_be_shown(bwrap):
    for path in (REPO, REPO.parent, "/"):
        with pytest.raises(ValueError, match="whole course root"):
            isolation.SandboxCommand(["true"], readonly=[path])


# --- a sandboxed process ---------------------------------------------------------------------------
def test_sandboxed_process_sees_and_reaches_nothing_of_the_grader(bwrap, grader_server, secrets):
    code, out, err = run_sandboxed(PROBE + "\nimport sys\nprint(json.dumps(probe(sys.argv[1], "
                                   "sys.argv[2], int(sys.argv[3]))))",
                                   SOLUTIONS_FILE, REPO, grader_server)
    assert code == 0, err
    found = json.loads(out)
    assert_probe_refused(found, grader_server)
    assert set(found["environ"]) <= set(isolation.sandbox_environment()) | {"PWD"}
    assert found["environ"]["HOME"] == isolation.WORKDIR


def test_fork_bomb_stops_at_the_process_limit(bwrap):
    code, out, err = run_sandboxed(textwrap.dedent('''
        import os, time
        started = 0
        try:
            while started < 1000:
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                started += 1
        except OSError as exc:
            print(started, exc.errno)
    '''), limits=isolation.Limits(processes=32))
    assert code == 0, err
    started, errno = map(int, out.split())
    assert 0 < started < 32 and errno == 11, out          # EAGAIN at the limit, not at 1000


def test_file_size_scratch_and_memory_limits(bwrap):
    code, out, err = run_sandboxed(textwrap.dedent('''
        import errno, json, os
        found = {}
        try:                                   # one file larger than the file size limit
            with open("big", "wb") as f:
                for _ in range(8):
                    f.write(b"x" * 1024 * 1024)
        except OSError as exc:
            found["big"] = errno.errorcode[exc.errno]
        found["big_size"] = os.path.getsize("big")
        os.remove("big")
        total = 0
        try:                                   # many files under it: the scratch fills up
            for i in range(100):
                with open(f"part{i}", "wb") as f:
                    f.write(b"x" * 1024 * 1024)
                total += 1
        except OSError as exc:
            found["scratch"] = errno.errorcode[exc.errno]
        found["parts"] = total
        try:
            blob = bytearray(1024 * 1024 * 1024)
            found["memory"] = "allocated"
        except MemoryError:
            found["memory"] = "MemoryError"
        print(json.dumps(found))
    '''), limits=isolation.Limits(file_size_mb=2, scratch_mb=16, memory_mb=768))
    assert code == 0, err
    found = json.loads(out)
    assert found["big"] == "EFBIG" and found["big_size"] == 2 * 1024 * 1024, found
    assert found["scratch"] == "ENOSPC" and found["parts"] <= 16, found  # of 100 tried
    assert found["memory"] == "MemoryError", found


def test_the_graders_matplotlib_font_list_is_copied_in(bwrap, tmp_path, monkeypatch):
    (tmp_path / "fontlist-v9.9.json").write_text('{"_version": "test"}')
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path))
    code, out, err = run_sandboxed(
        "import os; path = os.path.expanduser('~/.cache/matplotlib/fontlist-v9.9.json'); "
        "print(open(path).read(), os.access(os.path.dirname(path), os.W_OK))")
    assert code == 0 and out.split() == ['{"_version":', '"test"}', "True"], (out, err)


def test_cpu_time_limit_stops_an_endless_loop(bwrap):
    start = time.monotonic()
    code, out, err = run_sandboxed("while True: pass", limits=isolation.Limits(cpu_seconds=1))
    assert code != 0 and time.monotonic() - start < 20, (code, err)


def _processes_with(marker: str) -> list:
    """The student processes (not bwrap, not their launcher) with ``marker`` as an argument."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if marker.encode() in argv and comm != "bwrap":
            found.append(int(pid))
    return found


def test_a_process_left_behind_is_gone_when_the_sandbox_ends(bwrap):
    """The submission starts a sleeper in a new session that keeps its stdout open: without the
    PID namespace, whoever reads that pipe waits until the sleeper ends."""
    marker = f"convlab-sleeper-{uuid.uuid4().hex}"
    child = textwrap.dedent(f'''
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{marker}"],
                         start_new_session=True)
        print("started", flush=True)
    ''')
    start = time.monotonic()
    code, out, err = run_sandboxed(child, timeout=60)
    assert code == 0 and out.strip() == "started", err
    assert time.monotonic() - start < 15
    assert _processes_with(marker) == []


def test_the_sandbox_dies_with_its_grader(bwrap):
    """A grader killed mid-run (a crashed worker) leaves no student process behind."""
    marker = f"convlab-orphan-{uuid.uuid4().hex}"
    launcher = textwrap.dedent(f'''
        import subprocess, sys, time
        from autograder import isolation
        sandbox = isolation.SandboxCommand([sys.executable, "-c", "import time; time.sleep(300)",
                                            "{marker}"])
        sandbox.popen()
        print(sandbox.wait_ready(), flush=True)
        time.sleep(300)
    ''')
    grader = subprocess.Popen([sys.executable, "-c", launcher], cwd=REPO, stdout=subprocess.PIPE)
    try:
        assert int(grader.stdout.readline()) > 0
        deadline = time.monotonic() + 10                  # until bwrap's fork has exec'd it
        while not _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(_processes_with(marker)) == 1
        grader.kill()
        grader.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _processes_with(marker) == []
    finally:
        grader.kill()
        grader.stdout.close()


def test_concurrent_sandboxes_get_their_own_uid(bwrap):
    if os.geteuid() != 0:
        pytest.skip("a normal user's sandboxes use the user's uid in their own user namespace")
    import fcntl

    with isolation.SandboxCommand(["true"]) as a, isolation.SandboxCommand(["true"]) as b:
        assert a.uid != b.uid and min(a.uid, b.uid) >= isolation.UID_BASE
        lock_file = isolation.UID_LEASES / str(a.uid - isolation.UID_BASE)
        with open(lock_file) as f, pytest.raises(BlockingIOError):
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)   # held while the sandbox exists
    with open(lock_file) as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)       # released at close


def test_the_recheck_sandbox_runs_isolated(bwrap, grader_server, secrets):
    """autograder/sandbox.py (the re-check's untrusted side) started as verify.Sandbox would
    start it through this module: the cells file copied in, only its own modules visible. The
    student's functions are called over the pipe; a hostile one finds nothing to attack."""
    import pickle
    import struct

    from autograder.protocol import decode   # the grader's inverse of the sandbox's encoding

    cells = [{"source": "import numpy as np\ndef add(a, b):\n    return np.add(a, b)",
              "solution": True},
             {"source": PROBE + "\ndef probe_json(*args):\n    return json.dumps(probe(*args))",
              "solution": True}]
    p2c_r, p2c_w = os.pipe()
    c2p_r, c2p_w = os.pipe()
    sandbox = isolation.SandboxCommand(
        [sys.executable, "-m", "autograder.sandbox", str(p2c_r), str(c2p_w), "cells.json", "60",
         "2048", ""],
        readonly=isolation.package_sources("autograder"),
        files={"cells.json": json.dumps(cells).encode()},
        limits=isolation.Limits(memory_mb=2048))
    proc = sandbox.popen(pass_fds=(p2c_r, c2p_w), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(p2c_r)
    os.close(c2p_w)
    to_sandbox, from_sandbox = os.fdopen(p2c_w, "wb"), os.fdopen(c2p_r, "rb")

    def receive():
        header = from_sandbox.read(8)
        assert len(header) == 8, proc.stderr.read().decode()
        return json.loads(from_sandbox.read(struct.unpack("!Q", header)[0]))

    def call(name, *args):
        data = pickle.dumps((name, args, {}))
        to_sandbox.write(struct.pack("!Q", len(data)) + data)
        to_sandbox.flush()
        reply = receive()
        assert "ok" in reply, reply
        return decode(reply["ok"])

    try:
        assert receive() == {"ready": True, "cell_errors": []}
        assert call("add", 2, 3) == 5
        found = json.loads(call("probe_json", str(SOLUTIONS_FILE), str(REPO), grader_server))
        # what verify.Sandbox.forbidden_library reads: the command's maps, not bwrap's
        with open(f"/proc/{sandbox.command_pid()}/maps") as f:
            assert "/numpy/" in f.read()
    finally:
        to_sandbox.close()
        from_sandbox.close()
        sandbox.close()
        proc.stderr.close()
    assert_probe_refused(found, grader_server)
    assert "cells.json" not in found["cwd_files"]        # sandbox.py deletes it after reading


# --- nbgrader's kernel -----------------------------------------------------------------------------
def kernel_config(**limits):
    from traitlets.config import Config

    config = Config()
    config.IsolatedKernelManager.sandbox_limits = limits
    return config


def test_grading_kernel_through_nbclient(bwrap, tmp_path, grader_server, secrets):
    from nbclient import NotebookClient

    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "data.txt").write_text("the student's own file")
    (folder / "solutions").symlink_to(REPO / "solutions")   # bwrap must not follow it
    (folder / ".cache").mkdir()             # where the sandbox's matplotlib cache goes: ignored
    cells = [
        "print(2 + 3)",
        PROBE + f"\nprint(json.dumps(probe({str(SOLUTIONS_FILE)!r}, {str(REPO)!r}, "
                f"{grader_server})))",
        "print(open('data.txt').read())",
        textwrap.dedent('''
            import os, time
            children, error = [], None
            try:
                while len(children) < 1000:
                    pid = os.fork()
                    if pid == 0:
                        time.sleep(60)
                        os._exit(0)
                    children.append(pid)
            except OSError as exc:
                error = exc.errno
            for pid in children:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            print(len(children), error)'''),
        textwrap.dedent('''
            import errno
            try:
                with open("huge", "wb") as f:
                    for _ in range(64):
                        f.write(b"x" * 1024 * 1024)
            except OSError as exc:
                print(errno.errorcode[exc.errno], os.path.getsize("huge"))'''),
        "import time\nwhile True:\n    time.sleep(0.05)",      # stopped by the cell timeout
        "print('the kernel lives on')",
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    private_dirs = []       # this kernel's; other graders on the machine make their own

    class RecordingKernelManager(isolation.IsolatedKernelManager):
        async def _async_pre_start_kernel(self, **kw):
            started = await super()._async_pre_start_kernel(**kw)
            private_dirs.append(self._private_dir)
            return started

    client = NotebookClient(nb, timeout=10, allow_errors=True, interrupt_on_timeout=True,
                            kernel_name="python3",
                            kernel_manager_class=RecordingKernelManager,
                            config=kernel_config(processes=48, file_size_mb=4),
                            resources={"metadata": {"path": str(folder)}})
    client.execute()

    def text(i):
        return "".join(o.get("text", "") for o in nb.cells[i].outputs
                       if o.get("output_type") == "stream")

    assert text(0) == "5\n"
    found = json.loads(text(1))
    assert_probe_refused(found, grader_server)
    assert "solutions" not in found["cwd_files"] and "data.txt" in found["cwd_files"]
    assert text(2).strip() == "the student's own file"
    forks, error = text(3).split()
    assert int(forks) < 48 and error == "11", text(3)      # EAGAIN: the kernel's threads count
    assert text(4).split() == ["EFBIG", str(4 * 1024 * 1024)], text(4)
    assert any(o.get("ename") == "KeyboardInterrupt" for o in nb.cells[5].outputs)
    assert text(6) == "the kernel lives on\n"
    assert client.km is None or not client.km.has_kernel
    assert private_dirs and not any(Path(d).exists() for d in private_dirs), private_dirs


def test_configure_nbgrader_swaps_only_the_execute_preprocessor():
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    c = Config()
    isolation.configure_nbgrader(c)
    assert c.Autograde.autograde_preprocessors == [
        isolation.IsolatedExecute if p is Execute else p for p in default]
    isolation.configure_nbgrader(c)                      # twice: no change
    assert c.Autograde.autograde_preprocessors.count(isolation.IsolatedExecute) == 1
    assert isolation.IsolatedExecute().kernel_manager_class is isolation.IsolatedKernelManager
    c.Autograde.autograde_preprocessors = [p for p in default if p is not Execute]
    with pytest.raises(ValueError, match="nothing to isolate"):
        isolation.configure_nbgrader(c)


# Real `nbgrader autograde` with this isolated kernel (nbgrader_config.py configures it) is
# tested on tests/test_attacks.py's attacked class: the honest student keeps full marks there
# (TensorFlow's hidden tests pass in the sandboxed kernel, and the re-check agrees), and the
# attacks that read solutions/, write into the course root, connect to 127.0.0.1 and print the
# environment are refused inside nbgrader's kernel; the probe above runs in the same kernel
# through nbclient (test_grading_kernel_through_nbclient).


def test_the_recheck_in_nbgraders_process_uses_the_secret_key(monkeypatch, tmp_path):
    """`python -m autograder autograde` starts nbgrader without the course secret and with the
    chapter's key; the re-check inside nbgrader's process must draw the hidden inputs from that
    key (not fall back to the public seeds), like the kernel beside it."""
    from autograder import hidden, nbgrader_run, recheck

    chapter = "01_filter_sliding"
    monkeypatch.setenv("HOME", str(tmp_path))             # no ~/.config/convlab/secret
    monkeypatch.delenv(hidden.SECRET_FILE_ENV, raising=False)
    monkeypatch.setenv(hidden.SECRET_ENV, "a course secret")
    key = hidden.chapter_key(chapter)
    assert key and recheck.hidden_key(chapter) == key       # the instructor's own process
    nbgraders = {**nbgrader_run.child_env(), hidden.KEY_ENV: key}   # as nbgrader_run.autograde
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in nbgraders.items():
        monkeypatch.setenv(name, value)
    assert hidden.chapter_key(chapter) == ""                # no secret in nbgrader's process
    assert recheck.hidden_key(chapter) == key
    monkeypatch.delenv(hidden.KEY_ENV)
    assert recheck.hidden_key(chapter) == ""                # no secret anywhere: public seeds
