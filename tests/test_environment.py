"""pyproject.toml and environment.yml pin the same versions, and they are what is installed."""
import re
import tomllib
from importlib import metadata

from conftest import REPO


def pyproject_pins():
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    deps = list(data["project"]["dependencies"])
    for extra in data["project"]["optional-dependencies"].values():
        deps += extra
    return dict(_split(d) for d in deps)


def environment_pins():
    pins = {}
    for line in (REPO / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s+-\s+([A-Za-z0-9_.\-\[\]]+)==(\S+)\s*$", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def _split(req):
    name, _, version = req.partition("==")
    assert version, f"{req!r} is not pinned exactly (use ==)"
    return name.strip().lower(), version.strip()


def test_pins_agree():
    assert pyproject_pins() == environment_pins()


def test_environment_yml_installs_the_package_and_python():
    text = (REPO / "environment.yml").read_text()
    assert re.search(r"^\s+- python=3\.11\s*$", text, re.M)
    assert re.search(r"^\s+- -e \.\s*$", text, re.M)


def test_installed_versions_are_the_pinned_ones():
    wrong = {name: (version, metadata.version(name)) for name, version in pyproject_pins().items()
             if metadata.version(name) != version}
    assert not wrong, wrong
