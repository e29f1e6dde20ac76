"""The HTTP side of the emulator depends on a `Backend`, never on the `Emulator` class: no module
of the package imports server.py (but the package's entry points), and a bare Backend serves."""

import ast
import base64
import hashlib
import threading
from pathlib import Path

import pytest
import requests

import pulumi_groups.emulator
from pulumi_groups.emulator.backend import Backend
from pulumi_groups.emulator.credentials import DEFAULT_CAPILLARY_ORGS
from pulumi_groups.emulator.handler import EmulatorHTTPServer

PACKAGE = "pulumi_groups.emulator"
SERVER = f"{PACKAGE}.server"
PACKAGE_DIR = Path(pulumi_groups.emulator.__file__).parent
# The package's entry points re-export or run the Emulator; server.py is the module itself.
MAY_IMPORT_SERVER = {"__init__.py", "__main__.py", "server.py"}

ORG = DEFAULT_CAPILLARY_ORGS[0]
BADGES = "/api_gateway/v1/badges/group"


def _server_imports(source: str) -> list[str]:
    """Every import of server.py or of the Emulator class, wherever it sits (module level,
    inside a function, under `if TYPE_CHECKING:`), as written."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name == SERVER]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative to a module of this package: `from . import x` is PACKAGE
                anchor = PACKAGE.split(".")[: len(PACKAGE.split(".")) - node.level + 1]
                module = ".".join(anchor + ([module] if module else []))
            if module == SERVER:
                found.append(ast.unparse(node))
            elif module == PACKAGE and {alias.name for alias in node.names} & {"server", "Emulator"}:
                found.append(ast.unparse(node))
    return found


def test_no_module_of_the_emulator_imports_the_server_class():
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    checked = {path.name for path in modules} - MAY_IMPORT_SERVER
    assert {"handler.py", "pipeline.py", "routing.py", "admin.py", "capillary.py", "wesurvey.py"} <= checked
    offenders = {
        name: imports for name in sorted(checked) if (imports := _server_imports((PACKAGE_DIR / name).read_text()))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pulumi_groups.emulator.server import Emulator\n",
        "def f():\n    import pulumi_groups.emulator.server\n",
        "from pulumi_groups.emulator import Emulator\n",
        "from . import server\n",
        "from .server import Emulator\n",
        "from ..emulator.server import Emulator\n",
    ],
)
def test_the_guard_sees_every_spelling_of_the_back_import(source):
    assert _server_imports(source)


def test_the_guard_lets_other_emulator_imports_through():
    source = "from pulumi_groups.emulator import admin\nfrom .backend import Backend\nimport json\n"
    assert _server_imports(source) == []


@pytest.fixture
def served_backend():
    """A bare Backend behind the HTTP server, with one Capillary org and no Emulator."""
    backend = Backend.build()
    backend.credentials.add_capillary_org(**ORG)
    server = EmulatorHTTPServer(("127.0.0.1", 0), backend)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield backend, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=5)


def test_a_backend_serves_vendor_requests_without_an_emulator(served_backend):
    backend, url = served_backend
    md5 = hashlib.md5(ORG["password"].encode()).hexdigest()
    auth = {"Authorization": "Basic " + base64.b64encode(f"{ORG['username']}:{md5}".encode()).decode()}

    created = requests.post(url + BADGES, json={"name": "Gold", "rank": 1}, headers=auth, timeout=5)

    assert created.status_code == 200
    stored = [(g["orgId"], g["name"], g["rank"]) for g in backend.store.badge_groups.values()]
    assert stored == [(ORG["org_id"], "Gold", 1)]
    assert backend.metrics.snapshot()["by_endpoint"] == {f"POST {BADGES}": 1}


def test_a_backend_answers_the_admin_endpoints_without_an_emulator(served_backend):
    backend, url = served_backend
    backend.faults.replace([{"method": "GET", "action": "status", "status": 503}])

    pending = requests.get(url + "/__admin/faults", timeout=5).json()["faults"]
    state = requests.get(url + "/__admin/state", timeout=5).json()

    assert [fault["status"] for fault in pending] == [503]
    assert state["capillary"] == {str(ORG["org_id"]): {"badgeGroups": [], "rewardGroups": []}}
    assert backend.metrics.snapshot()["total"] == 0  # admin calls are not vendor requests
