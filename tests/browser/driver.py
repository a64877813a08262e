"""A JupyterLab server and a headless Chromium for the browser tests (and the browser benchmark).

Everything here waits on a condition, never on a fixed sleep: the status bar saying Idle, every
code cell having an execution count, an element's text or an image's src changing.

    server = LabServer(root, workdir); server.start()     # fresh server, own config/data/runtime
    browser = Browser(workdir / "chromium"); page = browser.page()
    open_notebook(page, server.url, "solved/01_filter_sliding.ipynb"); run_all(page)
    ...
    browser.close(); server.stop()                          # kernels shut down, processes gone
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("CONVLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]

# Settings overrides for the test server: no news, no update checks, every cell in the DOM.
OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                     "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
}

# JupyterLab renders an error output with the stderr mime type; the notebook model knows which
# outputs are errors (output_type "error"), so errors() asks the model and returns ename: evalue.
_MODEL_ERRORS = """() => {
  const errs = [];
  for (const w of window.jupyterapp.shell.widgets('main')) {
    const model = w.content && w.content.model;
    if (!model || !model.cells) continue;
    for (const cell of model.cells) {
      if (cell.type !== 'code') continue;
      for (let i = 0; i < cell.outputs.length; i++) {
        const o = cell.outputs.get(i).toJSON();
        if (o.output_type === 'error') errs.push(o.ename + ': ' + o.evalue);
      }
    }
  }
  return errs;
}"""
STATUSBAR = "#jp-main-statusbar"

# Timeouts (ms). Generous: a kernel that imports TensorFlow takes ~7 s on 2 cores.
T_START = 120_000
T_RUN_ALL = 150_000
T_UPDATE = 30_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, method: str = "GET", timeout: float = 5):
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read().decode()


class LabServer:
    """``jupyter lab`` on 127.0.0.1, a free port, no token, serving ``root`` (and run from it, so
    an ``nbgrader_config.py`` there is the one nbgrader's formgrader uses)."""

    def __init__(self, root: Path, workdir: Path):
        self.root, self.workdir = Path(root), Path(workdir)
        self.proc = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / "lab.log"

    def start(self, timeout: float = T_START / 1000) -> "LabServer":
        dirs = {name: self.workdir / name for name in
                ("config", "data", "runtime", "app_settings", "user_settings", "workspaces")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        (dirs["app_settings"] / "overrides.json").write_text(json.dumps(OVERRIDES, indent=1))
        env = dict(os.environ)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        env.update(JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
                   JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), TF_CPP_MIN_LOG_LEVEL="3",
                   MPLBACKEND="module://matplotlib_inline.backend_inline",
                   PYTHONUNBUFFERED="1")
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
               f"--ServerApp.root_dir={self.root}", f"--ServerApp.port={self.port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
               "--IdentityProvider.token=", "--ServerApp.password=",
               "--ServerApp.disable_check_xsrf=True",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate",
               f"--LabApp.app_settings_dir={dirs['app_settings']}",
               f"--LabApp.user_settings_dir={dirs['user_settings']}",
               f"--LabApp.workspaces_dir={dirs['workspaces']}",
               "--LabApp.expose_app_in_browser=True"]
        self._log = open(self.log_path, "w")
        # own session: kernels are its children, and stop() can end the whole group it started
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if _get(f"{self.url}/api/status")[0] == 200:
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer in {timeout} s: {self.log()}")
            time.sleep(0.2)  # polling interval of a readiness check, not a synchronisation

    def __enter__(self) -> "LabServer":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-4000:]
        except OSError:
            return ""

    def kernels(self) -> list:
        return json.loads(_get(f"{self.url}/api/kernels")[1])

    def shutdown_kernels(self):
        for k in self.kernels():
            try:
                _get(f"{self.url}/api/kernels/{k['id']}", method="DELETE", timeout=30)
            except OSError:
                pass

    def stop(self):
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                try:
                    self.shutdown_kernels()
                except OSError:
                    pass
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        finally:
            try:  # anything left in the group this server started (a kernel that hung)
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._log.close()
            self.proc = None


class Browser:
    """One headless Chromium (Debian's) with a fresh user-data-dir, driven by Playwright."""

    def __init__(self, user_data_dir: Path):
        from playwright.sync_api import sync_playwright
        if not Path(CHROMIUM).exists():
            raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
        self.user_data_dir = Path(user_data_dir)
        shutil.rmtree(self.user_data_dir, ignore_errors=True)
        self._pw = sync_playwright().start()
        try:
            self.context = self._pw.chromium.launch_persistent_context(
                str(self.user_data_dir), executable_path=CHROMIUM, headless=True,
                args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000})
        except Exception:
            self._pw.stop()
            raise
        self.context.set_default_timeout(T_UPDATE)

    def page(self):
        page = self.context.new_page()
        page.set_default_timeout(T_UPDATE)
        return page

    def close(self):
        try:
            self.context.close()
        finally:
            self._pw.stop()


def watch_page_errors(page):
    """Collect the page's uncaught JavaScript errors (a widget's front end failing) for
    :func:`page_errors`."""
    page.convlab_page_errors = []
    page.on("pageerror", lambda exc: page.convlab_page_errors.append(str(exc)))


def page_errors(page) -> list:
    return list(getattr(page, "convlab_page_errors", []))


# --- notebooks ---------------------------------------------------------------------------------
# the kernel status in English or in JupyterLab's Chinese interface (tests/browser/test_zh_browser.py)
IDLE = re.compile(r"\bIdle\b|空闲")


def wait_idle(page, timeout=T_START):
    """The status bar's kernel status says Idle (the toolbar indicator says so too early)."""
    page.locator(STATUSBAR).get_by_text(IDLE).first.wait_for(timeout=timeout)


def wait_app(page, timeout=T_START):
    """JupyterLab's application object exists and has restored its layout."""
    page.wait_for_function("() => !!window.jupyterapp", timeout=timeout)
    page.evaluate("async () => { await window.jupyterapp.restored; }")


def open_notebook(page, base_url: str, path: str):
    """Open one notebook in a reset workspace (no other notebook restored) and wait for Idle."""
    page.goto(f"{base_url}/lab/tree/{path}?reset")
    wait_app(page)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-CodeCell").first.wait_for(timeout=T_START)
    wait_idle(page)


def execute(page, command: str, args: dict | None = None):
    page.evaluate("([c, a]) => window.jupyterapp.commands.execute(c, a)", [command, args or {}])


_ALL_RUN = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  if (!nb) return false;
  const prompts = [...nb.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
      .map(p => p.textContent.trim());
  const bar = document.querySelector('#jp-main-statusbar');
  return prompts.length > 0 && prompts.every(t => %s) && /\\|\\s*(Idle|空闲)/.test(bar.textContent);
}"""


def run_all(page, timeout=T_RUN_ALL):
    """Run All, then wait until every code cell has an execution count and the kernel is idle."""
    wait_idle(page)
    execute(page, "runmenu:run-all")
    # first the run must have started (a queued cell shows [*]), then it must have finished
    page.wait_for_function(_ALL_RUN % "/^\\[[0-9*]+\\]:$/.test(t)", timeout=timeout)
    page.wait_for_function(_ALL_RUN % "/^\\[[0-9]+\\]:$/.test(t)", timeout=timeout)


def run_until_error(page, timeout=T_RUN_ALL):
    """Run All on a notebook that stops at a failing cell: wait until no cell is queued or running
    any more, the kernel is idle and an error is shown."""
    wait_idle(page)
    execute(page, "runmenu:run-all")
    page.wait_for_function(f"() => ({_MODEL_ERRORS})().length > 0", timeout=timeout)
    page.wait_for_function(_ALL_RUN % "t !== '[*]:'", timeout=timeout)


def code_cell(page, contains: str):
    """The one code cell whose source contains ``contains``."""
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=contains))
    assert cells.count() == 1, f"{cells.count()} code cells contain {contains!r}"
    return cells.first


def run_cell(page, cell, timeout=T_RUN_ALL):
    """Select a cell the way a person does (click its prompt) and press Shift+Enter; wait for its
    new execution count and the kernel to be idle."""
    from playwright.sync_api import expect
    prompt = cell.locator(".jp-InputArea-prompt")
    before = prompt.text_content().strip()
    prompt.click()
    page.keyboard.press("Shift+Enter")
    expect(prompt).not_to_have_text(before, timeout=timeout)
    expect(prompt).to_have_text(re.compile(r"^\[[0-9]+\]:$"), timeout=timeout)
    wait_idle(page)


def type_into_cell(page, cell, source: str):
    """Replace a cell's code the way a person pastes it: click into the editor, select all, and
    insert the text (inserted as one piece, so the editor's auto-indent does not re-indent it)."""
    editor = cell.locator(".jp-InputArea-editor .cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)


def errors(page) -> list:
    """``ename: evalue`` of every error output in the open notebooks."""
    return page.evaluate(_MODEL_ERRORS)


def text_changes(locator, before: str, timeout=T_UPDATE):
    """Wait until the element's text differs from ``before``; return the new text. (Locators are
    re-resolved on every check: widgets replace their elements when they update.)"""
    from playwright.sync_api import expect
    expect(locator).not_to_have_text(before, timeout=timeout)
    return locator.text_content()


def src_changes(img, before: str, timeout=T_UPDATE):
    """Wait until the image's src differs from ``before`` (and is not empty); return it."""
    from playwright.sync_api import expect
    expect(img).not_to_have_attribute("src", before, timeout=timeout)
    expect(img).to_have_attribute("src", re.compile(r".+"), timeout=timeout)
    return img.get_attribute("src")
