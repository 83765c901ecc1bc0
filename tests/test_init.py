"""tokenlab/__init__.py: a cheap import, and every exported name resolves lazily to its module's object."""

import importlib
import json
import subprocess
import sys
from importlib.metadata import version

import pytest

import tokenlab

HEAVY = ("matplotlib", "ipywidgets", "jwt", "cryptography")


def _modules_loaded_after(code: str, tmp_path) -> list[str]:
    """Run ``code`` in a fresh interpreter and list the heavy packages it imported."""
    probe = f"""
import json, sys
{code}
heavy = {HEAVY!r}
print(json.dumps(sorted({{n.split(".")[0] for n in sys.modules if n.split(".")[0] in heavy}})))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_import_tokenlab_in_a_fresh_interpreter_loads_none_of_the_heavy_packages(tmp_path):
    assert _modules_loaded_after("import tokenlab", tmp_path) == []


def test_using_the_clock_still_loads_none_of_the_heavy_packages(tmp_path):
    code = "import tokenlab\ntokenlab.Clock.frozen().now()\ntokenlab.TokenLabError"
    assert _modules_loaded_after(code, tmp_path) == []


def test_the_probe_does_see_heavy_packages_once_signing_is_used(tmp_path):
    assert _modules_loaded_after("import tokenlab\ntokenlab.sign", tmp_path) == ["cryptography", "jwt"]


PROVIDER_SIDE = ("tokenlab.provider", "tokenlab.client", "werkzeug", "waitress", "requests", "matplotlib")


def _loaded_after(code: str, tmp_path) -> list[str]:
    """Run ``code`` in a fresh interpreter and list which of :data:`PROVIDER_SIDE` it imported."""
    probe = f"""
import json, sys
{code}
print(json.dumps([name for name in {PROVIDER_SIDE!r} if name in sys.modules]))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_import_tokenlab_loads_neither_the_provider_nor_the_client_nor_their_http_libraries(tmp_path):
    assert _loaded_after("import tokenlab", tmp_path) == []
    assert _loaded_after("import tokenlab\ntokenlab.OAuthError", tmp_path) == []


def test_from_tokenlab_import_mock_provider_loads_the_provider_on_demand_and_still_no_plots(tmp_path):
    code = "from tokenlab import MockProvider\nassert MockProvider.__module__ == 'tokenlab.provider.server'"
    assert _loaded_after(code, tmp_path) == ["tokenlab.provider", "werkzeug", "waitress", "requests"]


def test_the_main_objects_are_exported_at_the_top():
    from tokenlab.client import Client
    from tokenlab.errors import OAuthError
    from tokenlab.provider.server import MockProvider

    assert (tokenlab.MockProvider, tokenlab.Client, tokenlab.OAuthError) == (MockProvider, Client, OAuthError)


def test_all_lists_exactly_the_lazily_exported_names():
    assert sorted(tokenlab.__all__) == sorted(tokenlab._EXPORTS)
    assert len(set(tokenlab.__all__)) == len(tokenlab.__all__)


@pytest.mark.parametrize("name", tokenlab.__all__)
def test_every_exported_name_resolves_to_the_object_in_its_module(name):
    module = importlib.import_module(tokenlab._EXPORTS[name])
    assert getattr(tokenlab, name) is getattr(module, name)
    assert name in getattr(module, "__all__", [name])


def test_dir_lists_every_exported_name_and_submodule():
    listed = dir(tokenlab)
    assert set(tokenlab.__all__) <= set(listed)
    assert {"clock", "errors", "keys", "claims", "tokens"} <= set(listed)
    assert listed == sorted(listed)


@pytest.mark.parametrize("name", ["clock", "errors", "keys", "claims", "tokens"])
def test_core_submodules_are_reachable_as_attributes(name):
    assert getattr(tokenlab, name) is importlib.import_module(f"tokenlab.{name}")


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no attribute 'verify_unsafely'"):
        tokenlab.verify_unsafely  # noqa: B018


def test_the_version_is_the_installed_distributions_version():
    assert tokenlab.__version__ == version("tokenlab")
