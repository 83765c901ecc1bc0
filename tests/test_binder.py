"""binder/ cannot drift from pyproject.toml: one pinned list, every dependency in range, and it is what we test."""

import re
import sys
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

# Pins with no runtime or `lab` dependency in pyproject.toml, each with the reason it is pinned anyway (the
# pins file's header says the same). The course hub's image (docs/zero-to-jupyterhub/values.yaml) is built
# from binder/ and needs them; tests/test_hub_values.py checks that values.yaml still uses them.
IMAGE_ONLY = {
    "jupyterhub": "the hub chart starts jupyterhub-singleuser, whose major version must be the hub's",
    "nbgitpuller": "the hub's postStart hook runs its gitpuller to hand out the student copy",
}


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        assert not requirement.extras, f"{line}: pip constraints cannot carry extras"
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{line}: Binder pins must be exact"
        name = canonicalize_name(requirement.name)
        assert name not in found, f"{name} is pinned twice"
        found[name] = spec.version
    return found


def declared(*extras: str) -> dict[str, SpecifierSet]:
    """Runtime dependencies and those of the given extras, by name (``tokenlab[...]`` self-references skipped)."""
    lines = PYPROJECT["dependencies"] + [line for extra in extras for line in PYPROJECT["optional-dependencies"][extra]]
    requirements = [Requirement(line) for line in lines]
    return {canonicalize_name(r.name): r.specifier for r in requirements if canonicalize_name(r.name) != "tokenlab"}


def test_binder_pins_exactly_the_runtime_and_lab_dependencies_and_the_image_only_ones():
    assert set(pins()) == set(declared("lab")) | set(IMAGE_ONLY)
    assert not set(IMAGE_ONLY) & set(declared("lab")), "a runtime or lab dependency is not image-only"


def test_every_pin_is_inside_the_range_pyproject_declares():
    ranges = declared("lab", "test")  # an image-only pin that the tests also install must fit their range
    for name, pinned in pins().items():
        if name in ranges:
            assert pinned in ranges[name], f"{name}=={pinned} is outside {ranges[name]}"


def test_the_environment_under_test_has_the_pinned_versions():
    # Everything make test installs (runtime, lab and test dependencies, with the pins as constraints) has the
    # pinned version; an image-only pin that no extra names (nbgitpuller) is not installed here.
    installed = declared("lab", "test")
    for name, pinned in pins().items():
        if name in installed:
            assert version(name) == pinned, f"{name} {version(name)} is installed but Binder pins {pinned}"


def test_binder_installs_tokenlab_itself_and_a_supported_python():
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert re.search(r"pip install --no-deps \.$", post_build, re.M)
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-")
    assert runtime.removeprefix("python-") + ".0" in SpecifierSet(PYPROJECT["requires-python"])
