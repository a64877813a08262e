"""`make lab`'s job: a student workspace copied from course/, and a JupyterLab server that serves
it with the widget extension installed (no browser needed for this check)."""
import json
import socket
import subprocess
import sys
import time
import urllib.request

from autograder import nbgrader_run, paths, release


def test_workspace_copies_new_chapters_and_never_overwrites(tmp_path):
    ws = tmp_path / "workspace"
    assert release.prepare_workspace(ws) == paths.assignments()
    nb = ws / "01_filter_sliding" / "01_filter_sliding.ipynb"
    nb.write_text("my work")
    assert release.prepare_workspace(ws) == []
    assert nb.read_text() == "my work"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read().decode()


def test_jupyterlab_serves_the_course_with_widgets(tmp_path):
    ws = tmp_path / "workspace"
    release.prepare_workspace(ws)
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           f"--ServerApp.root_dir={ws}", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
           "--IdentityProvider.token=", "--ServerApp.password=",
           "--ServerApp.port_retries=0", "--LabApp.news_url=None"]
    log = open(tmp_path / "lab.log", "w")
    env = {**nbgrader_run.child_env(), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=paths.REPO, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                status, body = _get(f"{base}/api/contents/01_filter_sliding")
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "lab.log").read_text()
                assert time.monotonic() < deadline, "JupyterLab did not start in 90 s"
                time.sleep(0.5)
        names = [item["name"] for item in json.loads(body)["content"]]
        assert "01_filter_sliding.ipynb" in names
        status, page = _get(f"{base}/lab")
        assert status == 200 and "JupyterLab" in page
        status, ext = _get(f"{base}/lab/api/extensions")
        names = {e["name"] for e in json.loads(ext)}
        assert "jupyter-widgets-jupyterlab-manager" in names, names  # renders ipywidgets
        status, specs = _get(f"{base}/api/kernelspecs")
        spec = json.loads(specs)["kernelspecs"]["python3"]["spec"]
        assert spec["argv"][0] in (sys.executable, "python"), spec["argv"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
