"""Settings for every test, and the rules that let `make test` run the suite on two cores.

`make test` runs pytest-xdist with two workers and ``--dist loadgroup``: a test goes to whichever
worker is free, except that the tests of one *xdist group* always run on the same worker, one
after the other, in collection order. Groups are given here (``pytest_collection_modifyitems``),
so a new test file needs nothing as long as it follows these rules:

- A test that uses a module-scoped (or class/package-scoped) fixture of its own is grouped with
  every other test of its module that does (one group per value of a parametrized module
  fixture): the expensive set-up (a graded class, a scratch course) is built once, not once per
  worker. A session-scoped fixture defined under tests/ does the same for all its users.
- Everything under tests/browser is one group ("browser"): one JupyterLab, one Chromium, one hub.
- Tests that share something else that two processes must not use at once (a fixed path, a fixed
  port, a file in the repository they write) get an explicit marker, which wins over the rules
  above: ``@pytest.mark.xdist_group("<name>")`` with the same name on each of them (or
  ``pytestmark = pytest.mark.xdist_group("<name>")`` for a whole module).
- Never write into the repository (grading/, runs/, workspace/) or a fixed /tmp path from a
  test: use ``tmp_path`` / ``tmp_path_factory`` or ``autograder.paths.scratch_course``, and free
  ports (bind to port 0). CONVLAB_RUNS below is already private to each worker.

Under xdist, units of work (a group, or a single ungrouped test) are handed out heaviest first
(tests marked ``nbgrader`` or ``browser`` weigh most), so that neither worker is left with a
long test at the end while the other idles.

xdist 3.8's own loadgroup does nothing with pytest 9 (it renames ``item._nodeid``, which pytest 9
no longer reads: every test became a unit of its own and each worker built every module fixture).
So the scheduler is this file's (``GroupScheduling``): the first worker writes each test's unit
to a file the controller reads once the workers have collected.
"""
import json
import os
import tempfile
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# notebooks run by the tests keep their training runs (chapter 6) out of the repository's runs/;
# one folder per xdist worker, so that two runs started in the same second cannot collide
os.environ.setdefault("CONVLAB_RUNS", os.path.join(
    tempfile.gettempdir(), "convlab-test-runs", os.environ.get("PYTEST_XDIST_WORKER", "main")))

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

SHARED_SCOPES = ("module", "class", "package")
# relative cost of a test when ordering the units of work (a guess that only orders; see above)
HEAVY_MARKERS = {"nbgrader": 20, "browser": 20}


def _group_of(item) -> str | None:
    """The xdist group an item belongs to by the rules of this file's docstring, or None."""
    path = Path(str(item.fspath)).resolve()
    if TESTS / "browser" in path.parents:
        return "browser"
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    module = path.relative_to(TESTS).as_posix()
    shared, params = [], []
    for name in info.names_closure:
        defs = info.name2fixturedefs.get(name)
        if not defs:
            continue
        fixturedef = defs[-1]
        if not fixturedef.baseid:       # pytest's own (tmp_path_factory, ...): nothing to share
            continue
        if fixturedef.scope == "session":
            return f"session-{name}"
        if fixturedef.scope in SHARED_SCOPES:
            shared.append(name)
            callspec = getattr(item, "callspec", None)
            if callspec is not None and name in callspec.params:
                params.append(f"{name}={callspec.params[name]}")
    if not shared:
        return None
    return module + (f"[{','.join(params)}]" if params else "")


def _unit(item) -> str:
    """The unit of work xdist's loadgroup hands out that ``item`` belongs to."""
    marks = {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
             for m in item.iter_markers("xdist_group")}
    return "_".join(sorted(marks)) if marks else item.nodeid


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Add the xdist groups before xdist reads them."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            group = _group_of(item)
            if group is not None:
                item.add_marker(pytest.mark.xdist_group(group))


class _HeaviestFirst:
    """In an xdist worker: order the items heaviest unit first and, in the first worker, write
    each test's unit where the controller's scheduler reads it."""

    def __init__(self, config):
        self.config = config

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        _heaviest_first(items)
        units_file = getattr(self.config, "workerinput", {}).get("convlab_units_file")
        if units_file and os.environ.get("PYTEST_XDIST_WORKER") == "gw0":
            partial = Path(units_file + ".partial")
            partial.write_text(json.dumps([[item.nodeid, _unit(item)] for item in items]))
            partial.replace(units_file)


def pytest_configure(config):
    # xdist registers this marker too; registered here so that --strict-markers accepts the
    # groups without xdist installed (a plain `pytest tests/...` ignores them)
    config.addinivalue_line("markers", "xdist_group(name): run on the same xdist worker as the "
                                       "other tests of this group (tests/conftest.py)")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        config.pluginmanager.register(_HeaviestFirst(config), "convlab-heaviest-first")


def _heaviest_first(items):
    """The items ordered heaviest unit first, each unit's items kept in their order (the
    scheduler hands the units out in that order). Every worker computes the same order, as
    xdist requires."""
    units, weight, first = {}, {}, {}
    for i, item in enumerate(items):
        unit = units[item] = _unit(item)
        cost = max([1] + [w for m, w in HEAVY_MARKERS.items() if item.get_closest_marker(m)])
        weight[unit] = weight.get(unit, 0) + cost
        first.setdefault(unit, i)
    position = {item: i for i, item in enumerate(items)}
    items.sort(key=lambda item: (-weight[units[item]], first[units[item]], position[item]))


# --- the controller's side (only with xdist; optionalhook: nothing happens without it) --------
@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    config = node.config
    if not hasattr(config, "_convlab_units_file"):
        config._convlab_units_file = os.path.join(
            tempfile.mkdtemp(prefix="convlab-xdist-"), "units.json")
    node.workerinput["convlab_units_file"] = config._convlab_units_file


def pytest_unconfigure(config):
    units_file = getattr(config, "_convlab_units_file", None)
    if units_file:
        import shutil
        shutil.rmtree(os.path.dirname(units_file), ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """xdist's loadscope with this file's units as scopes, handed out in the workers'
        order (heaviest first)."""

        def __init__(self, config, log=None):
            super().__init__(config, log)
            self.units = None

        def _split_scope(self, nodeid):
            if self.units is None:
                path = getattr(config, "_convlab_units_file", None)
                try:
                    self.units = dict(json.loads(Path(path).read_text()))
                except (TypeError, OSError, ValueError) as exc:
                    raise RuntimeError(f"tests/conftest.py: no units of work from the first "
                                       f"xdist worker ({path}): {exc}") from exc
            return self.units.get(nodeid, nodeid)

    config.option.loadscopereorder = False
    return GroupScheduling(config, log)
