"""The stack program behind ``stacks/__main__.py``: every group a stack declares as data.

``stacks/Pulumi.<stack>.yaml`` holds, next to the credentials, one list per registered kind
(``pulumi_groups.lifecycle.kinds``), today::

    pulumi-groups:badgeGroups:   [{name, rank, org?, adopt?}, ...]
    pulumi-groups:rewardGroups:  [{name, rank?, active?, org?, adopt?}, ...]
    pulumi-groups:contactGroups: [{name, team_id, parent?, order?, remote_id?, account?, adopt?, key?}, ...]

Every entry may also say what it was: ``previousNames: [...]`` and ``previousOrg`` (contact
groups: ``previousAccount``), which become Pulumi aliases; a contact entry may give a ``key``
(see ``pulumi_groups.program.declarations``). Every entry may give Pulumi's resource options
``protect``, ``retainOnDelete`` and ``ignoreChanges``, and ``pulumi-groups:defaults`` may give
them for all (see ``pulumi_groups.program.resource_options``); they become the resource's
``pulumi.ResourceOptions``.

Every list is checked first (``declarations.plan``): a bad entry stops the run at preview,
before any resource is declared, with one message per problem naming stack, list and index.
Resource names and the default-org rule (``pulumi-groups:defaultOrg`` /
``pulumi-groups:defaultAccount``) are in ``pulumi_groups.program.declarations``.

Stack outputs, for other stacks to read through stack references: one per kind, named as its
list, ``{org (account): {key: id}}``, e.g. ``badgeGroups`` ``{org: {name: id}}`` (the key is the
name unless the entry gives one; always present, ``{}`` when a stack declares none of a kind).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from pulumi_groups.lifecycle.kinds import Scope
from pulumi_groups.program import declarations
from pulumi_groups.program.declarations import Declaration, DeclarationError, Kind, Plan, Scopes
from pulumi_groups.program.resource_options import DEFAULTS_KEY


def _config_get(key: str) -> Any:
    return runtime_config.get_config(key)


ConfigGet = Callable[[str], Any]


def config_keys() -> list[str]:
    """Every stack config key the engine passed to this program."""
    return sorted(set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env()))


def scopes_of(scope: Scope, get: ConfigGet = _config_get, environ: Mapping[str, str] | None = None) -> Scopes:
    """What the declarations may name as org/account, read with the provider's own rules."""
    config = scope.load(SimpleNamespace(get=get), os.environ if environ is None else environ)
    return Scopes(
        noun=scope.field,
        known=tuple(config.known_keys()),
        explain=config.problem_for,
        how_to_configure=config.entries.collection_problem or scope.how_to_configure,
        default_key=config.default_key(),  # the provider's check resolves a missing org the same way
        default_problem=config.default_problem(),
    )


def _option_fields() -> list[str]:
    """What ``pulumi-groups:defaults`` may list in ``ignoreChanges``: any kind's fields."""
    return list(dict.fromkeys(f for kind in declarations.all_kinds() for f in kind.property_fields()))


def read_plan(stack: str, get: ConfigGet = _config_get, environ: Mapping[str, str] | None = None,
              keys: list[str] | None = None) -> Plan:
    """The checked declarations of this stack; raises ``DeclarationError``.

    By default from the config the engine passed to this program; ``get`` (and ``keys``, the
    config keys) read another source the same way, e.g. the commands' ``read_config``.
    """
    raw_lists: dict[Kind, Any] = {kind: get(kind.config_key) for kind in declarations.all_kinds()}

    def scopes_for(kind: Kind) -> Scopes:
        return scopes_of(kind.group.scope, get, environ)

    return declarations.plan(stack, raw_lists, scopes_for, config_keys() if keys is None else keys,
                             defaults=get(f"{declarations.NAMESPACE}:{DEFAULTS_KEY}"),
                             default_fields=_option_fields())


def plan_from_config(stack: str, config: Mapping[str, str], environ: Mapping[str, str]) -> Plan:
    """``read_plan`` on a stack's config as the commands read it (every value a string)."""
    return read_plan(stack, config.get, environ, sorted(config))


def resource_options_for(declaration: Declaration, aliases: list[pulumi.Alias]) -> pulumi.ResourceOptions | None:
    """The entry's aliases and resource options; None when it has neither (registered as before)."""
    options = declaration.options
    if not aliases and options.is_empty:
        return None
    return pulumi.ResourceOptions(
        aliases=aliases or None,
        protect=options.protect or None,
        retain_on_delete=options.retain_on_delete or None,
        ignore_changes=declaration.kind.property_names(options.ignore_changes or ()) or None,
    )


def declare(plan: Plan) -> dict[str, dict[str, dict[str, pulumi.Output]]]:
    """Declare every group (parents first) and return the stack outputs."""
    declared: dict[tuple[str, str, str], pulumi.CustomResource] = {}
    outputs: dict[str, dict[str, dict[str, pulumi.Output]]] = {kind.list_key: {} for kind in declarations.all_kinds()}
    for d in plan.declarations:
        args = dict(d.args)
        if d.parent is not None:
            # The parent's id is unknown at preview; the engine orders the creates through it.
            args["parent_id"] = declared[(d.kind.list_key, d.scope, d.parent)].id
        # Earlier names of this group: the engine updates (renames) it instead of replacing it.
        aliases = [pulumi.Alias(name=alias) for alias in d.aliases]
        resource_class: Any = d.kind.group.resource  # each kind's own keyword arguments
        resource = resource_class(d.resource_name, **args, opts=resource_options_for(d, aliases))
        declared[(d.kind.list_key, d.scope, d.key)] = resource
        outputs[d.kind.list_key].setdefault(d.scope, {})[d.key] = resource.id
    return outputs


def run() -> None:
    stack = pulumi.get_stack()
    try:
        plan = read_plan(stack)
    except DeclarationError as exc:
        # RunError: the CLI shows the message alone, without a Python traceback.
        raise pulumi.RunError(str(exc)) from None
    for key, value in declare(plan).items():
        pulumi.export(key, value)


__all__ = ["DeclarationError", "declare", "plan_from_config", "read_plan", "resource_options_for",
           "run"]
