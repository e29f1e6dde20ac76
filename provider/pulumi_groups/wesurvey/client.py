"""Thin WeSurvey contact-group client: endpoints as rows, wire dicts in and out, no Pulumi.

Every answer is the ``{"code", "error": {"type"}, "data", "request_id"}`` envelope [doc]. A
failure becomes an ``ApiError`` whose code is the ``error.type`` and whose hint says what to do
about it (``HINTS``); ``contacts_group_not_found`` is ``NotFound`` and ``duplicated_remote_id``
is ``NameTaken`` (the remote id is the one unique key WeSurvey enforces), so the shared provider
lifecycle can act on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pulumi_groups.errors import ApiError, AuthRejected, NameTaken, NotFound, RequestFailed
from pulumi_groups.http.client import Endpoint, VendorClient, WireFormat, shared_client
from pulumi_groups.http.paging import fetch_all
from pulumi_groups.http.records import as_int
from pulumi_groups.wesurvey import guesses
from pulumi_groups.wesurvey.auth import AccessTokenAuth, read_envelope
from pulumi_groups.wesurvey.settings import AccountSettings

REQUEST_ID_FIELD = "request_id"
TOKEN_OPERATION = "get access token"

# What to do about each documented error.type. Placeholders: team_id, parent_id, remote_id.
HINTS = {
    "group_too_deep": (
        "WeSurvey limits how deep contact groups nest (the limit is not documented): attach this "
        "group to a parent higher up the tree (parent_id {parent_id} is too deep), or flatten the tree"
    ),
    "duplicated_remote_id": (
        "Another contact group in team {team_id} already has remote_id {remote_id!r} (remote ids are "
        "unique per team): set adopt: true to take it over, or choose another remote_id"
    ),
    "default_group_be_modified": (
        "This is team {team_id}'s default group, which WeSurvey does not let anyone change or delete: "
        "remove it from the stack and declare a group of your own instead"
    ),
    "claim_error": (
        "The app has no permission here: check that the account's appId belongs to the team "
        "{team_id} (WeSurvey management page) and may manage contacts"
    ),
    "parent_group_not_found": (
        "The parent group {parent_id} does not exist in team {team_id}: check parent_id, or run "
        "`pulumi refresh` if the parent was deleted outside Pulumi"
    ),
    "invalid_argument": (
        "WeSurvey refused a parameter: check name (non-empty), order, parent_id and remote_id; "
        "moving a group needs its current parent, so run `pulumi refresh` if it was moved outside Pulumi"
    ),
    "contacts_team_not_found": (
        "Team {team_id} has no contact directory: team_id is the contact directory's id "
        "(data.team_id of GET /api/orgs/{{org id}}), not the organisation's id"
    ),
    "invalid_org_subscription": (
        "The team's WeSurvey plan has no API access to contact groups (they need the Business plan): "
        "upgrade it, or use an appId of a team that has it"
    ),
    "request_rate_limited": (
        "WeSurvey is limiting this appid (token requests count too): lower wesurvey:requestsPerMinute, "
        "and never run two stacks that share an appid at the same time"
    ),
}
HINTS["invalid_param"] = HINTS["invalid_argument"]
TOKEN_HINT = (
    "WeSurvey refused the credentials: check the account's appId and secret "
    "(wesurvey:accounts.<account>, wesurvey:appId/secret, or WESURVEY_APP_ID/WESURVEY_SECRET)"
)
TOKEN_REFUSED_HINT = (
    "The access token was refused even after fetching a new one. Only the latest token of an "
    "appid is valid: another process using the same appid (a parallel stack, a lookup) may keep "
    "replacing it; run stacks that share an appid one at a time"
)


def decode_error(response: Any, body: Any) -> tuple[str | None, str] | None:
    """``(error.type, envelope code)`` for a failure, None for ``code: OK``."""
    code, error_type, message = read_envelope(body)
    if (code and code != "OK") or error_type:
        return (error_type or code or None), (f"{code}: {message}" if message else code)
    if response.status_code >= 400:
        return None, ""
    return None


def classify(status: int, code: Any, message: str) -> type[ApiError]:
    # Only the group-specific type means "this group is gone": a bare 404 may be a wrong host or
    # path, which must never make Pulumi forget a group.
    if code == "contacts_group_not_found":
        return NotFound
    if code == "duplicated_remote_id":
        return NameTaken
    return ApiError


def _with_hint(error: ApiError, facts: dict[str, Any]) -> ApiError:
    if error.context.operation == TOKEN_OPERATION:
        error.hint = TOKEN_HINT
    elif isinstance(error, AuthRejected):
        error.hint = TOKEN_REFUSED_HINT
    elif error.code in HINTS:
        error.hint = HINTS[str(error.code)].format(**{"team_id": "?", "parent_id": 0, "remote_id": None, **facts})
    return error


WIRE = WireFormat("wesurvey", decode_error, classify, request_id_field=REQUEST_ID_FIELD)


GROUPS = "/api/contacts/teams/{team_id}/groups"
# Every contact-group endpoint, as data. Bodies: create {"name", "parent_id", "order"?,
# "remote_id"?}, answered with {"group_id", "name"}, all that create answers [doc]; update
# {"name", "order"?} renames / reorders, and with ``from_id`` and ``to_id`` (the parent it is
# under, the parent it goes to) moves the group too; delete {"group_ids"}.
LIST = Endpoint("GET", GROUPS, "list contact groups")
CREATE = Endpoint("POST", GROUPS, "create contact group", creates=True)
UPDATE = Endpoint("POST", GROUPS + "/{group_id}", "update contact group")
MOVE = Endpoint("POST", GROUPS + "/{group_id}", "move contact group")
DELETE = Endpoint("POST", GROUPS + "/batch_delete", "delete contact group")


class WeSurveyClient(VendorClient):
    def _call(self, endpoint: Endpoint, *, facts: dict[str, Any], **kwargs: Any) -> dict:
        """The answer's ``data`` (``{}`` when absent), or an error carrying its hint. ``facts``
        fill the hint; the team id is one of them and fills the path too."""
        try:
            body = self.send(endpoint, team_id=facts["team_id"], **kwargs).body
        except ApiError as error:
            raise _with_hint(error, facts) from None
        data = body.get("data") if isinstance(body, dict) else None
        return data if isinstance(data, dict) else {}

    def list_groups(
        self, team_id: int, *, parent_id: int | None = None, remote_ids: Iterable[str] = ()
    ) -> list[dict]:
        """Every group of the team (or under ``parent_id``, 0 = top level; or with one of the
        ``remote_ids``), all pages (1-based), each once."""
        remote_ids = list(remote_ids)
        received = 0

        def page(number: int) -> tuple[list[dict], int]:
            nonlocal received
            params: list[tuple[str, Any]] = [("page", number), ("per_page", guesses.PAGE_SIZE)]
            if parent_id is not None:
                params.append(("parent_id", parent_id))
            params += [(guesses.REMOTE_IDS_PARAM, remote_id) for remote_id in remote_ids]
            data = self._call(LIST, facts={"team_id": team_id, "parent_id": parent_id}, params=params)
            listed = data.get("list")
            if not isinstance(listed, list):
                # A 200 without the list (a proxy's empty answer) is no listing: read as "no groups",
                # it would let a delete believe a group has no children and take them with it.
                raise RequestFailed(self.context(LIST.operation), "the answer holds no list of groups", False)
            batch = [group for group in listed if isinstance(group, dict)]
            received += len(batch)
            # One more page while fewer than `total` have arrived (see guesses.PAGE_SIZE).
            total = as_int(data.get("total")) or 0
            return batch, number + 1 if received < total else number

        unique: dict[Any, dict] = {}
        for group in fetch_all(page, first_page=1):
            unique.setdefault(group.get("id"), group)  # pages shift while others add groups
        return list(unique.values())

    def create_group(self, team_id: int, body: dict) -> dict:
        facts = {"team_id": team_id, "parent_id": body.get("parent_id", 0), "remote_id": body.get("remote_id")}
        return self._call(CREATE, facts=facts, group=body.get("name"), body=body)

    def update_group(self, team_id: int, group_id: int | str, body: dict) -> None:
        moving = "to_id" in body
        facts = {"team_id": team_id, "parent_id": body["to_id"] if moving else "?"}
        self._call(MOVE if moving else UPDATE, facts=facts, group_id=group_id,
                   group=f"{body.get('name')} (id {group_id})", body=body)

    def delete_groups(self, team_id: int, group_ids: Iterable[int | str]) -> None:
        ids = [int(group_id) for group_id in group_ids]
        self._call(DELETE, facts={"team_id": team_id}, group=", ".join(str(group_id) for group_id in ids),
                   body={"group_ids": ids})


def client_for(account: AccountSettings) -> WeSurveyClient:
    """The process-wide client of one account key (see ``shared_client``). The token belongs to
    the appid, so accounts that share an appid share it: a second token would void the first."""
    return shared_client(WeSurveyClient, account, WIRE, lambda: AccessTokenAuth(account.app_id, account.secret))
