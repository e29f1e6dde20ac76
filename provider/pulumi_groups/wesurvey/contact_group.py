"""WeSurvey contact group: ``ContactGroup`` (what programs declare) and ``ContactGroupProvider``.

``pulumi_groups.wesurvey.contact_group.ContactGroupProvider`` is pickled by reference into
state: its module path and class name must never change.

WeSurvey has no get-one-group endpoint [doc]: a group is read by listing (by its remote id, or
under its parent) and matching the id; a group missing there is looked for in the whole team
before it counts as gone, so a group moved outside Pulumi shows as drift, not as deleted.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import DiffResult

from pulumi_groups.errors import ApiError, ConfigError, GroupsError, NotFound, calls_for
from pulumi_groups.http.records import as_int, find_by_id
from pulumi_groups.lifecycle import kinds, ownership, timestamps
from pulumi_groups.lifecycle.hooks import ALIASES_FIRST
from pulumi_groups.lifecycle.notices import warn
from pulumi_groups.lifecycle.provider import GroupProvider
from pulumi_groups.lifecycle.resource import GroupResource
from pulumi_groups.lifecycle.schema import INT32_MAX, Field, Output, changed, is_unknown, normalized, same_name
from pulumi_groups.wesurvey import guesses, settings
from pulumi_groups.wesurvey.client import WeSurveyClient, client_for

TEAM_ID = Field(
    "team_id",
    "int",
    "Id of the team's contact directory (data.team_id of the team). Changing it replaces the group.",
    required=True,
    minimum=1,
    maximum=INT32_MAX,
    required_hint="; give the team's contact-directory id, e.g. team_id: 53",
    on_change="replace",
)
NAME = Field(
    "name", "string", "Group name (WeSurvey does not require it to be unique).", required=True,
    max_length=guesses.GROUP_NAME_MAX_LENGTH,
)
PARENT_ID = Field(
    "parent_id",
    "id",
    "Id of the parent group (another ContactGroup's id works); 0 or absent = top level. "
    "Changing it moves the group.",
    default=0,
    minimum=0,
)
ORDER = Field(
    "order", "int", "Sort order among its siblings (default 0).", default=guesses.DEFAULT_ORDER,
    minimum=-INT32_MAX - 1, maximum=INT32_MAX,
)
REMOTE_ID = Field(
    "remote_id",
    "string",
    "Id of the group in another system, unique per team. WeSurvey cannot change it: changing it "
    "replaces the group.",
    nullable=True,
    on_change="replace",
)
ACCOUNT = Field(
    "account",
    "string",
    "Key of the WeSurvey account in `wesurvey:accounts` (`default`: the shorthand keys, or WESURVEY_* "
    "when the stack configures no account). Absent: the stack's only account, or the one "
    "`pulumi-groups:defaultAccount` names. Changing it replaces the group, unless both keys use "
    "the same appid and host.",
    on_change="replace",
)
ADOPT = Field(
    "adopt",
    "bool",
    "Take over an existing group with the same remote_id (or, without one, the same name under "
    "the same parent) instead of creating another.",
    default=False,
    on_change="none",
)

OUTPUTS = (
    Output("full_name", "Path of the group, e.g. `Test Group/Test Subgroup` (may be empty)."),
    Output("source", "WeSurvey's source code of the group (2 for groups made through the API)."),
    Output("is_valid", "Whether WeSurvey reports the group valid."),
    Output("created_at", "Creation time, ISO-8601 UTC."),
    Output("updated_at", "Last update time, ISO-8601 UTC."),
)


def as_record(group: dict) -> dict:
    """A wire group -> the plain dict programs see (``list_contact_groups``) and outputs reuse."""
    return {
        "id": as_int(group.get("id")),
        "team_id": as_int(group.get("team_id")),
        "parent_id": as_int(group.get("parent_id")) or 0,
        "name": group.get("name"),
        "full_name": group.get("full_name"),
        "order": as_int(group.get("order")),
        "remote_id": group.get("remote_id") or None,  # "" means none [doc]
        "source": as_int(group.get("source")),
        "is_valid": group.get("is_valid"),
        "created_at": timestamps.from_iso(group.get("created_at")),
        # `upd_at` [doc]; one sample spells it `updated_at` (and truncates it).
        "updated_at": timestamps.from_iso(group.get("upd_at") or group.get("updated_at")),
    }


def expand(inputs: dict) -> dict:
    """Inputs -> the create body (no remote_id key when there is none: "" means none [doc])."""
    body: dict[str, Any] = {"name": inputs["name"], "parent_id": inputs["parent_id"]}
    if inputs["order"] is not None:
        body["order"] = inputs["order"]
    if inputs.get("remote_id"):
        body["remote_id"] = inputs["remote_id"]
    return body


def expand_update(inputs: dict, move: tuple[int, int] | None = None) -> dict:
    """Inputs -> the update body: the create body's name and order (WeSurvey cannot change a
    remote id; the parent changes by a move); ``move``: (from parent, to parent) as from_id and
    to_id, which moves the group in the same call."""
    body = {key: value for key, value in expand(inputs).items() if key in ("name", "order")}
    if move is not None:
        body["from_id"], body["to_id"] = move
    return body


def flatten(group: dict, inputs: dict) -> dict:
    """API group -> outputs (``account`` and ``adopt``, unknown to the API, carried over)."""
    record = as_record(group)
    del record["id"]
    if record["team_id"] is None:
        record["team_id"] = inputs["team_id"]
    return {**record, "account": inputs["account"], "adopt": bool(inputs.get("adopt"))}


# Marks a record built from the declaration, not read from WeSurvey: never cached as live.
DECLARED_ONLY = "declared_only"


def declared(group_id: Any, inputs: dict) -> dict:
    """The wire group as declared: what is known when reading it back failed (``read`` will
    complete the outputs)."""
    body = expand(inputs)
    remote_id = body.get("remote_id", "")
    return {"id": group_id, "team_id": inputs["team_id"], **body, "remote_id": remote_id, DECLARED_ONLY: True}


# Errors that, while listing under a parent, only mean "not under that parent (any more)".
_MISSING_PARENT_TYPES = frozenset({"parent_group_not_found", "contacts_group_not_found"})


class ContactGroupProvider(GroupProvider[WeSurveyClient]):
    kind = "contact group"
    scope_field = "account"
    fields = (TEAM_ID, NAME, PARENT_ID, ORDER, REMOTE_ID, ACCOUNT, ADOPT)
    outputs = OUTPUTS

    def load_config(self, config: Any) -> settings.WeSurveyConfig:
        return settings.load(config)

    def client(self, scope: str) -> WeSurveyClient:
        account = self.config.by_key.get(scope)
        if account is None:
            raise ConfigError(self.config.problem_for(scope))
        return client_for(account)

    def flatten(self, group: dict, inputs: dict) -> dict:
        return flatten(group, inputs)

    def unique_key_enforced(self, inputs: dict) -> bool:
        # Remote ids are unique per team [doc]; names are not, so a create without a remote id
        # whose outcome is unknown must never be sent a second time (it may still land), and a
        # same-named group that was there before it is never taken for it (adopt_or_create).
        return bool(inputs.get("remote_id"))

    # -- read snapshot: one listing per team and parent -------------------------------------------
    snapshot_config_key = "wesurvey:readSnapshot"

    def snapshot_scope(self, client: WeSurveyClient, props: dict) -> Any:
        if client.credential is None:
            return None
        inputs = self.owned_inputs(props, strict=False)
        return ("wesurvey", client.credential, inputs["team_id"], inputs["parent_id"])

    def api_list_all(self, client: WeSurveyClient, props: dict) -> list[dict]:
        inputs = self.owned_inputs(props, strict=False)
        try:
            return client.list_groups(inputs["team_id"], parent_id=inputs["parent_id"])
        except ApiError as failed:
            if failed.code in _MISSING_PARENT_TYPES:
                return []  # the stored parent is gone: the miss is confirmed in the whole team
            raise

    def api_confirm_missing(self, client: WeSurveyClient, group_id: str, props: dict) -> dict | None:
        # Not under its stored parent: moved outside Pulumi (drift) or gone; the team tells.
        return self.api_list_find_id(client, group_id, props)

    def snapshot_entry(self, group: dict) -> dict | None:
        return None if group.get(DECLARED_ONLY) else group

    # -- diff: replacements keep the tree intact ------------------------------------------------
    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        result = super().diff(_id, olds, news)
        if result.replaces:
            # Create the new group first, so children move over to it before the old one goes;
            # delete first only when both would hold the same remote id in one team at once.
            result.delete_before_replace = self._same_unique_key(olds, news)
            self._warn_children_at_replace(_id, olds)
            if "remote_id" in result.replaces:
                warn(
                    f"{self.label(olds, _id)}: changing remote_id replaces the group (WeSurvey cannot "
                    "change a remote id); its contacts are not carried over to the new group"
                )
        return result

    def _warn_children_at_replace(self, group_id: str, olds: dict) -> None:
        """A replace deletes the old group: say now which children it has (one request, only for a
        replace), since those the stack does not declare will make that delete refuse."""
        if not group_id or not isinstance(olds.get(self.scope_field), str):
            return
        try:
            client = self.client(olds[self.scope_field])
            children = self._children(client, self.owned_inputs(olds, strict=False)["team_id"], group_id)
        except GroupsError:
            return  # a preview warning only: the delete itself checks again
        if children:
            names = ", ".join(repr(c.get("name")) for c in children[:10])
            warn(f"{self.label(olds, group_id)} is replaced and has {len(children)} child group(s) now ({names}): "
                 "any the stack does not declare make the old group's delete refuse, and nothing is deleted")

    @staticmethod
    def _same_unique_key(olds: dict, news: dict) -> bool:
        new_team, new_remote = news.get("team_id"), news.get("remote_id")
        if is_unknown(new_team) or is_unknown(new_remote):
            return True  # cannot tell: the safe order
        return (
            new_remote is not None
            and not changed(REMOTE_ID, olds.get("remote_id"), new_remote)
            and not changed(TEAM_ID, olds.get("team_id"), new_team)
        )

    # -- reading: there is no get-one endpoint --------------------------------------------------
    @staticmethod
    def _locate(client: WeSurveyClient, group_id: Any, props: dict) -> dict | None:
        """The group found the cheap way: by its remote id, else among its parent's children."""
        team_id, remote_id = props["team_id"], props.get("remote_id")
        try:
            if remote_id:
                groups = client.list_groups(team_id, remote_ids=[remote_id])
            else:
                groups = client.list_groups(team_id, parent_id=props["parent_id"])
        except ApiError as failed:
            if failed.code in _MISSING_PARENT_TYPES:
                return None  # the stored parent is gone: look in the whole team
            raise
        return find_by_id(groups, group_id)

    def _read_back(self, client: WeSurveyClient, group_id: Any, inputs: dict) -> dict:
        """The group after a create or update; never raises, since the change has happened."""
        label = self.label(inputs, str(group_id))
        try:
            found = self._locate(client, group_id, inputs)
            if found is None:
                found = find_by_id(client.list_groups(inputs["team_id"]), group_id)
        except GroupsError as failed:
            warn(f"{label}: saved, but reading it back failed ({failed}); `pulumi refresh` completes its outputs")
            return declared(group_id, inputs)
        if found is None:
            warn(f"{label}: saved, but not listed yet; `pulumi refresh` completes its outputs")
            return declared(group_id, inputs)
        return found

    def api_get(self, client, group_id, props):
        found = self._locate(client, group_id, self.owned_inputs(props, strict=False))
        if found is None:
            # No such answer exists for listing; NotFound makes the base confirm in the whole team.
            raise NotFound(client.context("read contact group", str(group_id)))
        return found

    def api_list_find_id(self, client, group_id, props):
        return find_by_id(client.list_groups(self.owned_inputs(props, strict=False)["team_id"]), group_id)

    def api_find_existing(self, client, inputs):
        """By remote id (unique per team [doc]); without one, the oldest by name under the parent."""
        team_id, remote_id = inputs["team_id"], inputs.get("remote_id")
        if remote_id:
            groups = client.list_groups(team_id, remote_ids=[remote_id])
            return next((g for g in groups if g.get("remote_id") == remote_id), None)
        same_name = self.api_find_candidates(client, inputs)
        return same_name[0] if same_name else None

    def api_find_candidates(self, client, inputs):
        """Without a remote id: every group with the name under the parent, oldest first."""
        if inputs.get("remote_id"):
            return super().api_find_candidates(client, inputs)
        siblings = client.list_groups(inputs["team_id"], parent_id=inputs["parent_id"])
        named = [g for g in siblings if same_name(g.get("name"), inputs["name"])]  # NFC, as every kind
        return sorted(named, key=lambda g: as_int(g.get("id")) or 0)

    # -- writing --------------------------------------------------------------------------------
    def api_create(self, client, inputs):
        created = client.create_group(inputs["team_id"], expand(inputs))
        group_id = created.get("group_id")
        if group_id is None:
            return {}  # accepted, but which group is it? The shared create looks it up by its key
        return self._read_back(client, group_id, inputs)

    def api_update(self, client, group_id, olds, inputs):
        team_id, new_parent = inputs["team_id"], inputs["parent_id"]
        old_parent = normalized(PARENT_ID, olds.get("parent_id"))
        move = (old_parent, new_parent) if old_parent != new_parent else None
        try:
            client.update_group(team_id, group_id, expand_update(inputs, move))
        except ApiError as failed:
            if move is None or isinstance(failed, NotFound):
                raise
            # from_id comes from state: the group may have moved since (outside Pulumi, or a move
            # whose answer was lost had landed). Move it from where it really is, once.
            live = find_by_id(client.list_groups(team_id), group_id)
            if live is None or (as_int(live.get("parent_id")) or 0) == old_parent:
                raise
            live_parent = as_int(live.get("parent_id")) or 0
            retry = None if live_parent == new_parent else (live_parent, new_parent)
            client.update_group(team_id, group_id, expand_update(inputs, retry))
        return self._read_back(client, group_id, inputs)

    def api_delete(self, client, group_id, outputs):
        # WeSurvey deletes a group's descendants with it. The engine deletes the stack's own
        # children first, so any child still there is not the stack's: refuse, sending nothing.
        team_id = self.owned_inputs(outputs, strict=False)["team_id"]
        label = self.label(outputs, group_id)
        # The delete is not sent when this fails: say for which group.
        with calls_for(during=f"looking for child groups of {label} before deleting it"):
            children = self._children(client, team_id, group_id)
        refusal = ownership.children_refusal(label, children)
        if refusal is not None:
            raise refusal
        client.delete_groups(team_id, [group_id])
        ownership.run().forget(group_id)  # gone: a replace in this run may make its key again

    @staticmethod
    def _children(client: WeSurveyClient, team_id: int, group_id: Any) -> list[dict]:
        try:
            return client.list_groups(team_id, parent_id=as_int(group_id))
        except ApiError as failed:
            if failed.code in _MISSING_PARENT_TYPES:
                return []  # the group itself is gone: no children either
            raise

    # -- what was there before this run's first create: a remote id is unique per team ----------
    def before_scope(self, client, inputs):
        return None if client.credential is None else ("wesurvey-team", ownership.org_identity(client, self.kind),
                                                       inputs["team_id"])

    def api_list_before(self, client, inputs):
        return client.list_groups(inputs["team_id"])

    def has_key(self, group, inputs):
        return bool(inputs.get("remote_id")) and group.get("remote_id") == inputs.get("remote_id")

    def adopt_hint(self, existing: dict) -> str:
        return (
            f"A contact group with this remote_id already exists in team {existing.get('team_id')} "
            f"(id {existing.get('id')}, name {existing.get('name')!r}). {ALIASES_FIRST}; otherwise set "
            "adopt: true to take it over, or choose another remote_id"
        )


class ContactGroup(GroupResource, module="wesurvey", name="ContactGroup"):
    """A WeSurvey contact group. Type token ``pulumi-python:dynamic/wesurvey:ContactGroup``; the
    resource id is the WeSurvey group id (as a string)."""

    team_id: pulumi.Output[int]
    name: pulumi.Output[str]
    parent_id: pulumi.Output[int]
    order: pulumi.Output[int]
    remote_id: pulumi.Output[str | None]
    account: pulumi.Output[str]
    adopt: pulumi.Output[bool]
    full_name: pulumi.Output[str | None]
    source: pulumi.Output[int | None]
    is_valid: pulumi.Output[bool | None]
    created_at: pulumi.Output[str | None]
    updated_at: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        team_id: pulumi.Input[int],
        name: pulumi.Input[str],
        parent_id: pulumi.Input[Any] | None = None,
        order: pulumi.Input[int] | None = None,
        remote_id: pulumi.Input[str] | None = None,
        account: pulumi.Input[str] | None = None,  # None: the stack's default account
        adopt: pulumi.Input[bool] = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        inputs: dict[str, Any] = {
            "team_id": team_id,
            "name": name,
            "parent_id": parent_id,
            "order": order,
            "remote_id": remote_id,
            "account": account,
            "adopt": adopt,
        }
        super().__init__(ContactGroupProvider, resource_name, inputs, opts)


# Where contact groups live: a WeSurvey account (by its key in `wesurvey:accounts`), in a team.
ACCOUNT_SCOPE = kinds.Scope(
    field="account",
    entries_key="wesurvey:accounts",
    default_key="pulumi-groups:defaultAccount",
    load=settings.load,
    how_to_configure="add wesurvey:accounts.<key> with appId and secret (see stacks/Pulumi.example-basic.yaml), "
    "or, for a stack without any account in its file, set WESURVEY_APP_ID and WESURVEY_SECRET in the environment",
)

KIND = kinds.register(kinds.GroupKind(
    name="contact",
    list_key="contactGroups",
    provider=ContactGroupProvider,
    resource=ContactGroup,
    scope=ACCOUNT_SCOPE,
    on_delete="delete",
    drift_fields=("name", "parent_id", "order", "remote_id", "team_id"),
    acceptable_fields=("name", "order"),
    unique_with="remote_id (names are not unique in WeSurvey)",
    extra_keys=("parent", "key"),  # a declaration names its parent by key, and may give its own key
    hidden_fields=("parent_id",),  # declarations name their parent instead of giving its id
    declared_as=(("parent", "parent_id"),),
))
