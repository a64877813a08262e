"""The JupyterHub classroom's parts that need no running hub (issue 24; the whole cycle in a
browser is tests/browser/test_hub_browser.py).

- `collect --exchange` refuses a submission whose files belong to another account than the
  student it names ("submitted by bin as daemon") and keeps the genuine one, with the LMS
  collect's table; what it takes is the instructor's alone. Uses two system accounts every Debian
  has (daemon, bin) as students: needs root to hand files to them (fails when CI is set).
- the class list of `make hub` needs a Unix user name and a password per row;
- the hub's configuration listens on 127.0.0.1 only and starts the instructor's server in the
  course directory (the formgrader reads its working directory's nbgrader_config.py).
"""
import csv
import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
import types

import nbformat
import pytest

from attacks_01_filter_sliding import honest_notebook
from autograder import exchange, gradebook, nbgrader_run, paths
from conftest import REPO

CH = "01_filter_sliding"


def hub_setup():
    spec = importlib.util.spec_from_file_location("hub_setup", REPO / "hub" / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_class_list_needs_user_names_and_passwords(tmp_path):
    setup = hub_setup()
    good = tmp_path / "good.csv"
    good.write_text("id,first_name,password\nada,Ada,secret-1\n")
    assert [r["id"] for r in setup.read_class_list(good)] == ["ada"]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,first_name,password\nAda Lovelace,Ada,x\ngrace,Grace,\n")
    with pytest.raises(SystemExit) as err:
        setup.read_class_list(bad)
    message = str(err.value)
    assert "'Ada Lovelace' is not a Unix user name" in message
    assert "'grace' has no password" in message


def test_the_hub_listens_on_the_loopback_and_the_formgrader_runs_in_the_course(tmp_path):
    settings = {"port": 18000, "api_port": 18001, "proxy_api_port": 18002,
                "instructor": "teacher", "users": ["teacher", "ada"], "env": "/opt/x/env",
                "proxy": "/opt/x/proxy/chp", "course_dir": "/home/teacher/convlab"}
    (tmp_path / "settings.json").write_text(__import__("json").dumps(settings))
    shutil.copy(REPO / "hub" / "jupyterhub_config.py", tmp_path / "jupyterhub_config.py")
    from traitlets.config import Config

    c = Config()
    exec(compile((tmp_path / "jupyterhub_config.py").read_text(),
                 str(tmp_path / "jupyterhub_config.py"), "exec"),
         {"get_config": lambda: c, "__file__": str(tmp_path / "jupyterhub_config.py")})
    for url in (c.JupyterHub.bind_url, c.JupyterHub.hub_bind_url,
                c.ConfigurableHTTPProxy.api_url):
        assert url.startswith("http://127.0.0.1:"), url
    assert c.Spawner.ip == "127.0.0.1"
    assert c.Authenticator.allowed_users == {"teacher", "ada"}

    def spawner(name):
        return types.SimpleNamespace(user=types.SimpleNamespace(name=name), cmd=["x"],
                                     notebook_dir="", environment={})

    teacher, student = spawner("teacher"), spawner("ada")
    c.Spawner.pre_spawn_hook(teacher)
    c.Spawner.pre_spawn_hook(student)
    assert teacher.notebook_dir == settings["course_dir"]
    assert teacher.environment["COURSE_DIR"] == settings["course_dir"]
    assert 'cd "$COURSE_DIR"' in teacher.cmd[2]
    assert student.cmd == ["x"] and student.notebook_dir == "" and not student.environment


# --- collect --exchange -----------------------------------------------------------------------
def _require_root():
    why = "" if os.geteuid() == 0 else "handing files to other accounts needs root"
    for name in ("daemon", "bin"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            why = why or f"no system account {name!r}"
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


def _submit(inbound, owner, student, when, notebook):
    """A submission folder as `nbgrader submit` makes it, owned by ``owner``."""
    folder = inbound / f"{student}+{CH}+{when} UTC+{owner}{len(list(inbound.iterdir()))}"
    folder.mkdir()
    nbformat.write(notebook, folder / f"{CH}.ipynb")
    (folder / "timestamp.txt").write_text(f"{when} UTC")
    (folder / "submission_secret.txt").write_text(f"secret-of-{owner}")
    uid = pwd.getpwnam(owner).pw_uid
    for path in [folder, *folder.iterdir()]:
        os.chown(path, uid, uid)
    return folder


def test_collect_from_the_exchange_refuses_a_submission_made_as_someone_else(tmp_path):
    _require_root()
    root = paths.scratch_course(tmp_path / "course")
    exchange_root = tmp_path / "exchange"
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(f"c.Exchange.root = {str(exchange_root)!r}\n")
    assert exchange.settings(root) == (exchange_root, paths.COURSE_ID)
    roster = tmp_path / "students.csv"
    with open(roster, "w", newline="") as f:
        csv.writer(f).writerows([["id", "first_name"], ["daemon", "D"], ["bin", "B"]])
    gradebook.sync(gradebook.url(root), [CH])
    nbgrader_run.run_nbgrader(["db", "student", "import", str(roster)], root)
    inbound = exchange_root / paths.COURSE_ID / "inbound"
    inbound.mkdir(parents=True)
    genuine, forged = honest_notebook(), honest_notebook()
    forged.cells[0].source += "\n<!-- forged -->"
    _submit(inbound, "daemon", "daemon", "2026-12-01 10:00:00.000000", genuine)
    _submit(inbound, "bin", "daemon", "2026-12-01 11:00:00.000000", forged)   # later
    _submit(inbound, "bin", "bin", "2026-12-01 10:30:00.000000", genuine)
    proc = subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), "collect",
                           CH, "--exchange"], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {}
    for line in proc.stdout.splitlines():
        if f"+{CH}+" in line:
            head, _, rest = line.partition(" UTC+")
            rows.setdefault(head.split("+")[0], []).append(rest.split(None, 1)[1])
    assert sorted(r.split()[0] for r in rows["daemon"]) == ["refused", "taken"], proc.stdout
    assert any(r.startswith("refused") and "submitted by bin as daemon" in r
               for r in rows["daemon"]), proc.stdout
    assert [r.split()[0] for r in rows["bin"]] == ["taken"], proc.stdout
    assert f"{CH}: 2 taken, 0 archived, 0 skipped, 1 refused, 0 unknown id" in proc.stdout
    taken = paths.CoursePaths(root).submitted(CH, "daemon")
    assert "forged" not in taken.read_text()
    assert (taken.parent / "submission_secret.txt").read_text() == "secret-of-daemon"
    for path in [taken.parent, *taken.parent.iterdir()]:
        st = path.stat()
        assert st.st_uid == os.geteuid() and st.st_mode & 0o077 == 0, (path, oct(st.st_mode))
