"""Thin Capillary API client: one method per endpoint, wire-format dicts in and out, no Pulumi.

Badge groups live under ``/api_gateway/v1/badges/group`` and answer in a ``{"data", "errors",
"warnings"}`` envelope; reward groups live under ``/api_gateway/rewards/core/v1/group`` and answer
with the bare object (lists with ``groupRoList``/``pagingDto``, errors with ``status``) [doc].
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pulumi_groups.capillary import guesses
from pulumi_groups.capillary.auth import BasicAuth, OAuthAuth
from pulumi_groups.capillary.settings import OrgSettings
from pulumi_groups.errors import ApiError, NameTaken, NotFound, RequestFailed
from pulumi_groups.http.client import VendorClient, WireFormat, shared_client
from pulumi_groups.http.paging import fetch_all
from pulumi_groups.http.records import as_int

if TYPE_CHECKING:
    from pulumi_groups.http.transport import Response, Transport

BADGE_GROUPS_PATH = "/api_gateway/v1/badges/group"
REQUEST_ID_HEADER = "X-Cap-Requestid"

# 733: badge "Group Name should be Unique."; 12012: reward "Group name must be unique" [doc].
NAME_TAKEN_CODES = frozenset({733, 12012})


def decode_error(response: Any, body: Any) -> tuple[Any, str] | None:
    """Either envelope's error, or a bare HTTP failure; None for a success."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            return first.get("code"), str(first.get("message") or "")
        status = body.get("status")
        if isinstance(status, dict) and status.get("success") is False:
            return status.get("code"), str(status.get("message") or "")
    if response.status_code >= 400:
        return None, ""
    return None


def classify(status: int, code: Any, message: str) -> type[ApiError]:
    if as_int(code) in NAME_TAKEN_CODES:
        return NameTaken
    if status == 404 or (
        status in guesses.NOT_FOUND_STATUSES and any(w in message.lower() for w in guesses.NOT_FOUND_WORDS)
    ):
        return NotFound
    return ApiError


WIRE = WireFormat("capillary", decode_error, classify, request_id_header=REQUEST_ID_HEADER)


class CapillaryClient(VendorClient):
    def __init__(
        self, transport: Transport, reward_path: str = guesses.REWARD_GROUPS_PATH, *, credential: Hashable | None = None
    ) -> None:
        super().__init__(transport, credential=credential)
        self.reward_path = reward_path
        # The org these credentials reach, from the `orgId` of any group answered through them.
        self._org_id: int | None = None
        self._learning = threading.Lock()

    # -- which org the credentials reach --------------------------------------------------
    def _saw(self, groups: Any) -> Any:
        """Note the org of the groups in an answer (each belongs to the org the credentials
        reach: the vendor scopes every call by it); returns the answer unchanged."""
        for group in groups if isinstance(groups, list) else [groups]:
            org_id = as_int(group.get("orgId")) if isinstance(group, dict) else None
            if org_id is not None:
                self._org_id = org_id
                break
        return groups

    def reached_org_id(self, *, learn: bool = False) -> int | None:
        """The Capillary org these credentials reach: from the OAuth token (its JWT carries
        org_id [doc]), else from any group answered so far. With ``learn``, find it out when it
        is not known yet: the token call (needed anyway), else the first page (of one group) of
        each list, once per process; None when the org has no group at all (Basic auth)."""
        known = self._known_org_id()
        if known is not None or not learn:
            return known
        with self._learning:
            if isinstance(self.transport.auth, OAuthAuth):
                self.transport.auth.credentials(self.transport)
            probes: list[Callable[[], object]] = [lambda: self._badge_page(0, 1)]
            probes += [partial(self._reward_page, 0, 1, None, active) for active in guesses.REWARD_LIST_ACTIVE_FILTERS]
            for probe in probes:
                if self._known_org_id() is not None:
                    break
                probe()  # every page goes through _saw
            return self._known_org_id()

    def _known_org_id(self) -> int | None:
        return self._org_id or getattr(self.transport.auth, "org_id", None)

    # -- badge groups ---------------------------------------------------------------------
    def list_badge_groups(self) -> list[dict]:
        return fetch_all(lambda number: self._badge_page(number, guesses.PAGE_SIZE), first_page=0)

    def _badge_page(self, number: int, size: int) -> tuple[list[dict], int]:
        body = self.transport.request(
            "GET",
            BADGE_GROUPS_PATH,
            operation="list badge groups",
            params={"page": number, "size": size, "order": "ASC"},
        ).body
        data = (body or {}).get("data") or {}
        pagination = data.get("pagination") or {}
        return self._saw(list(data.get("badgeGroups") or [])), int(pagination.get("totalPages") or 0)

    def get_badge_group(self, group_id: str) -> dict:
        path = f"{BADGE_GROUPS_PATH}/{group_id}"
        answer = self.transport.request("GET", path, operation="read badge group", group=group_id)
        return self._group(answer, self._badge_data(answer.body), "badge group", "GET", path, group_id)

    def create_badge_group(self, body: dict) -> dict:
        """``body``: ``{"name", "rank"}`` [doc]."""
        answer = self.transport.request(
            "POST",
            BADGE_GROUPS_PATH,
            operation="create badge group",
            group=body.get("name"),
            json_body=body,
            idempotent=False,
        )
        return self._group(answer, self._badge_data(answer.body), "badge group", "POST", BADGE_GROUPS_PATH,
                           body.get("name"), created=True)

    def update_badge_group(self, group_id: str, body: dict) -> dict:
        """``body``: ``{"name", "rank"}``, both always [doc]."""
        answer = self.transport.request(
            guesses.BADGE_UPDATE_METHOD,
            f"{BADGE_GROUPS_PATH}/{group_id}",
            operation="update badge group",
            group=body.get("name"),
            json_body=body,
        ).body
        return self._badge_data(answer)

    def _badge_data(self, body: Any) -> dict:
        # The update sample shows the bare object, every other answer the envelope: accept both.
        if isinstance(body, dict) and isinstance(body.get("data"), dict):
            return self._saw(body["data"])
        return self._saw(body) if isinstance(body, dict) and "id" in body else {}

    # -- reward groups --------------------------------------------------------------------
    def list_reward_groups(self, *, name: str | None = None, active: str | None = None) -> list[dict]:
        """Every reward group (both active filters unless ``active`` is given), all pages."""
        filters = (active,) if active is not None else guesses.REWARD_LIST_ACTIVE_FILTERS
        found: dict[Any, dict] = {}
        for flag in filters:
            for group in self._list_reward_pages(name, flag):
                found[group.get("id")] = group
        return list(found.values())

    def _list_reward_pages(self, name: str | None, active: str) -> list[dict]:
        return fetch_all(lambda number: self._reward_page(number, guesses.PAGE_SIZE, name, active), first_page=0)

    def _reward_page(self, number: int, size: int, name: str | None, active: str) -> tuple[list[dict], int]:
        body = self.transport.request(
            "GET",
            self.reward_path,
            operation="list reward groups",
            params={
                "page": number,
                "size": size,
                "active": active,
                "name": name,
                "orderBy": "ASC",
                "sortOn": "LAST_UPDATED_ON",
            },
        ).body or {}
        paging = body.get("pagingDto") or {}
        total = int(paging.get("totalPages") or 0)
        if paging.get("last") is True:
            total = min(total, number + 1) if total else number + 1
        return self._saw(list(body.get("groupRoList") or [])), total

    def get_reward_group(self, group_id: str) -> dict:
        path = f"{self.reward_path}/{group_id}"
        answer = self.transport.request("GET", path, operation="read reward group", group=str(group_id))
        return self._group(answer, self._reward_data(answer.body), "reward group", "GET", path, str(group_id))

    def create_reward_group(self, body: dict) -> dict:
        """``body``: ``{"name", "rank"}`` (no isActive [doc])."""
        path = f"{self.reward_path}/create"
        answer = self.transport.request(
            "POST", path, operation="create reward group", group=body.get("name"), json_body=body, idempotent=False
        )
        return self._group(answer, self._reward_data(answer.body), "reward group", "POST", path, body.get("name"),
                           created=True)

    def update_reward_group(self, group_id: str, body: dict) -> dict:
        """``body``: ``{"name", "rank", "isActive"}``, all three always (see guesses)."""
        return self._reward_data(self.transport.request(
            "PUT",
            f"{self.reward_path}/{group_id}",
            operation="update reward group",
            group=body.get("name"),
            json_body=body,
        ).body)

    def _reward_data(self, body: Any) -> dict:
        return self._saw(body) if isinstance(body, dict) else {}

    def _group(self, answer: Response, group: dict, kind: str, method: str, path: str, name: str | None,
               *, created: bool = False) -> dict:
        """The group a read or create was answered with; a success without it (``data: null``, an
        empty object, a group without an id) fails naming what was missing and the request id.
        After a create that answer leaves the outcome unknown (the create flow looks the group
        up by name); after a read the group is neither confirmed nor gone, so state keeps it."""
        if group.get("id") not in (None, ""):
            return group
        operation = f"{'create' if created else 'read'} {kind}"
        missing = f"{kind} id" if group else kind  # a group without its id, or none at all
        raise RequestFailed(self.transport.context(operation, name, method, path),
                            f"the answer (HTTP {answer.status}) holds no {missing}", created,
                            status=answer.status, request_id=answer.request_id)


def _auth_hint(org: OrgSettings) -> str:
    pair = "clientKey/clientSecret" if org.uses_oauth else "username/password"
    where = f"capillary:orgs.{org.key}" + (
        " (or the capillary:* shorthand keys, or CAPILLARY_* variables)" if org.key == "default" else ""
    )
    url = urlsplit(org.base_url)  # scheme and host only: never a user:password@ in a message
    host = f"{url.scheme}://{url.hostname}" + (f":{url.port}" if url.port else "")
    return f"Check {pair} of {where} and that they belong to this org's cluster ({host})"


def client_for(org: OrgSettings) -> CapillaryClient:
    """The process-wide client of one org key (see ``shared_client``)."""
    return shared_client(
        CapillaryClient,
        org,
        WIRE,
        lambda: _auth(org),
        auth_hint=_auth_hint(org),
        options={"reward_path": org.reward_groups_path},
    )


def _auth(org: OrgSettings) -> OAuthAuth | BasicAuth:
    # settings.load made sure the pair the org uses is complete.
    if org.uses_oauth:
        return OAuthAuth(org.client_key or "", org.client_secret or "")
    return BasicAuth(org.username or "", org.password or "")
