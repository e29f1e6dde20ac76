"""Issue 24: the hook contract is checked when a class is defined. A resource class missing a
required hook fails at import, naming the hook and where it is documented; the contract names
every hook the lifecycle calls."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from pulumi_groups.capillary.common import CapillaryGroupProvider
from pulumi_groups.lifecycle import hooks as hooks_module
from pulumi_groups.lifecycle.hooks import REQUIRED, GroupHooks, HookContractError
from tests.kinds import example_kind

LIFECYCLE = Path(hooks_module.__file__).parent
# The lifecycle and its two collaborators: everything that calls a resource's hooks.
CALLERS = ("provider.py", "adopt_or_create.py", "snapshot_reads.py")


def example_body(*leave_out: str) -> dict:
    """The example kind's provider class body (every hook it defines), without ``leave_out``."""
    own = {k: v for k, v in vars(example_kind.StampGroupProvider).items() if not k.startswith("__")}
    return {k: v for k, v in own.items() if k not in leave_out}


@pytest.mark.parametrize("hook", ["api_list_all", "api_create", "flatten", "kind", "fields"])
def test_a_new_kind_missing_a_required_hook_fails_at_class_definition(hook):
    with pytest.raises(HookContractError) as refused:
        type("IncompleteProvider", (CapillaryGroupProvider,), example_body(hook))
    message = str(refused.value)
    assert re.search(rf"\b{hook}\b", message) and "lifecycle/hooks.py" in message
    assert [h for h in REQUIRED if h != hook and re.search(rf"\b{h}\b", message)] == []  # only what is missing


def test_a_base_may_add_requirements_capillary_needs_snapshot_kind():
    with pytest.raises(HookContractError, match=r"\bsnapshot_kind\b"):
        type("NoSnapshotKind", (CapillaryGroupProvider,), example_body("snapshot_kind"))


def test_an_abstract_base_is_allowed_and_its_subclasses_are_checked():
    base = type("SharedBase", (CapillaryGroupProvider,), {}, abstract=True)  # nothing defined: fine
    assert issubclass(type("Complete", (base,), example_body()), GroupHooks)
    with pytest.raises(HookContractError, match=r"\bapi_update\b"):
        type("Incomplete", (base,), example_body("api_update"))


def _hooks_called_by_the_lifecycle() -> set[str]:
    declared = set(dir(GroupHooks)) | set(GroupHooks.__annotations__)  # `kind: ClassVar[str]` has no value
    members = {name for name in declared if not name.startswith("_")}
    called = set()
    for name in CALLERS:
        text = (LIFECYCLE / name).read_text()
        called |= set(re.findall(r"(?<![\w.])(?:self\.hooks|hooks|self)\.([a-z_]+)\b", text)) & members
    return called


def _has_default(name: str) -> bool:
    """Defined on ``GroupHooks`` with a body other than ``raise NotImplementedError``."""
    if name not in vars(GroupHooks):
        return False
    value = vars(GroupHooks)[name]
    return not (callable(value) and "raise NotImplementedError" in inspect.getsource(value))


def test_the_contract_names_every_hook_the_lifecycle_calls():
    called = _hooks_called_by_the_lifecycle()
    assert {"api_list_all", "snapshot_scope", "api_create", "flatten", "kind"} <= called
    assert sorted(h for h in called if not _has_default(h) and h not in REQUIRED) == []
    assert sorted(h for h in REQUIRED if _has_default(h)) == []  # required means: no default to fall back on
