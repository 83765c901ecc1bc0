"""docs/zero-to-jupyterhub/values.yaml: every key is one the chart knows, and everything it names is what binder/ pins.

The chart's keys are checked against a copy of the part of its values schema the file uses
(docs/zero-to-jupyterhub/chart-schema-excerpt.yaml). The image is built from binder/ by repo2docker, so every
package the values rely on (jupyterhub-singleuser for the chart's start command, nbgitpuller for the
postStart hook, jupyter-server-proxy for lesson 06's login link) must be pinned there, and jupyterhub's major
version must be that of the hub the chart runs.
"""

import copy
import fnmatch
import re
from pathlib import PurePosixPath

import jsonschema
import pytest
import yaml
from packaging.version import Version

from tests.test_binder import IMAGE_ONLY, ROOT, pins
from tokenlab.student import INDEX
from tools.lab import HIDDEN

HERE = ROOT / "docs" / "zero-to-jupyterhub"
VALUES_TEXT = (HERE / "values.yaml").read_text(encoding="utf-8")
VALUES = yaml.safe_load(VALUES_TEXT)
SCHEMA = yaml.safe_load((HERE / "chart-schema-excerpt.yaml").read_text(encoding="utf-8"))
GUIDE = (ROOT / "docs" / "trainer-guide.md").read_text(encoding="utf-8")

# The JupyterHub each chart release runs in its hub pod, from the chart's changelog ("Notable dependencies
# updated": 4.0.0 moved JupyterHub 4.1.6 to 5.2.1; 4.1.0 kept it). Add a row when values.yaml names a newer chart.
CHART_RUNS_JUPYTERHUB = {"4.0.0": "5.2.1", "4.1.0": "5.2.1"}

_CHART_LINE = re.compile(r"^# chart: jupyterhub/jupyterhub (\S+), which runs JupyterHub (\S+) in its hub pod$", re.M)
_HELM_VERSION = re.compile(r"helm upgrade --install \S+ jupyterhub/jupyterhub --version (\S+)")
_UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def schema_errors(values: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(values)]


def to_bytes(quantity: str | int | float) -> float:
    """A Kubernetes memory quantity (``512M``, ``1Gi``, ``1e9``) in bytes."""
    number, unit = re.fullmatch(r"([\d.e+]+)([KMG]i?)?", str(quantity)).groups()
    return float(number) * _UNITS[unit or ""]


def chart() -> tuple[str, str]:
    (found,) = _CHART_LINE.findall(VALUES_TEXT)
    return found


def test_every_key_is_one_the_chart_knows():
    assert schema_errors(VALUES) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("singleuser", "memmory"), {"limit": "1G"}),  # a misspelt key
        (("singleuser", "memory", "request"), "512M"),  # Kubernetes' name, not the chart's (guarantee)
        (("cull", "timeout"), "2h"),  # a type the chart refuses
        (("singleuser", "storage", "type"), "pvc"),  # not one of the chart's choices
        (("singleUser",), {}),  # a misspelt section
    ],
)
def test_the_schema_check_refuses_what_the_chart_would(path, value):
    broken = copy.deepcopy(VALUES)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert schema_errors(broken), f"{'.'.join(path)}={value!r} passed the schema check"


def test_the_chart_named_runs_the_jupyterhub_major_version_the_image_gets():
    version, hub = chart()
    assert CHART_RUNS_JUPYTERHUB.get(version) == hub, f"chart {version}: its changelog says which JupyterHub it runs"
    pinned = pins()["jupyterhub"]
    assert Version(pinned).major == Version(hub).major, (
        f"binder/ pins jupyterhub {pinned}, but chart {version} runs JupyterHub {hub}: jupyterhub-singleuser in "
        "the image must have the hub's major version"
    )
    for where, text in (("values.yaml", VALUES_TEXT), ("the trainer guide", GUIDE)):
        assert _HELM_VERSION.findall(text), f"{where} has no helm command naming the chart version"
        assert set(_HELM_VERSION.findall(text)) == {version}, f"{where} installs another chart version than {version}"


def test_the_image_is_the_one_repo2docker_builds_from_binder():
    image = VALUES["singleuser"]["image"]
    build = f"--image-name {image['name']}:"
    for where, text in (("values.yaml", VALUES_TEXT), ("the trainer guide", GUIDE)):
        assert "jupyter-repo2docker" in text and build in text, f"{where} does not build {image['name']}"
        # The chart runs the server as uid 1000 with its home volume at homeMountPath: the image's user must match.
        assert "--user-id 1000 --user-name jovyan" in text, where
    assert VALUES["singleuser"]["storage"]["homeMountPath"] == "/home/jovyan"
    assert "uid" not in VALUES["singleuser"], "the chart's default uid (1000) is the one the image is built for"
    # What the hub needs in the image is pinned in binder/ (jupyter-server-proxy is a `lab` dependency).
    assert {"jupyterhub", "nbgitpuller", "jupyter-server-proxy"} <= set(pins())
    assert set(IMAGE_ONLY) == {"jupyterhub", "nbgitpuller"}


def test_the_hand_out_is_pulled_into_home_and_the_default_url_opens_its_lesson_00():
    command = VALUES["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    assert command[0] == "gitpuller" and "nbgitpuller" in pins(), "gitpuller comes from the pinned nbgitpuller"
    _, repo, branch, target = command  # gitpuller git_url branch_name repo_dir
    assert repo.startswith("https://") and branch == "main"
    home = PurePosixPath(VALUES["singleuser"]["storage"]["homeMountPath"])
    target = PurePosixPath(target)
    assert target.parent == home, f"{target} is not a folder of the learner's home {home}"
    assert target.name == repo.rstrip("/").rsplit("/", 1)[1], "an nbgitpuller link would clone into another folder"
    hidden = [glob for glob in HIDDEN if fnmatch.fnmatch(target.name, glob)]
    assert not hidden, f"the image's file browser hides {target.name} ({hidden}, tools/lab.py)"
    assert VALUES["singleuser"]["defaultUrl"] == f"/lab/tree/{target.name}/notebooks/{INDEX}"
    assert (ROOT / "notebooks" / INDEX).exists()


def test_memory_and_cpu_fit_the_measured_learner():
    memory, cpu = VALUES["singleuser"]["memory"], VALUES["singleuser"]["cpu"]
    assert to_bytes(memory["guarantee"]) <= to_bytes(memory["limit"])
    assert 0 < cpu["guarantee"] <= cpu["limit"]
    (section,) = re.findall(r"^## Sizing\n(.*?)(?=^## )", GUIDE, re.M | re.S)
    unit = {"MB": 10**6, "MiB": 2**20}
    measured = [int(size) * unit[name] for size, name in re.findall(r"(\d+) (MB|MiB) RSS", section)]
    assert measured, "the guide's Sizing section quotes no measured RSS"
    assert to_bytes(memory["guarantee"]) >= max(measured), "the guarantee is below a measured learner"
    assert f"guarantee: {memory['guarantee']}" in section and f"limit: {memory['limit']}" in section


def test_idle_servers_are_culled_after_the_lunch_break():
    cull = VALUES["cull"]
    assert cull["enabled"] is True
    assert cull["timeout"] >= 90 * 60, "a lunch break would cull every learner's server"
