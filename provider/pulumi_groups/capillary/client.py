"""Thin Capillary API client: endpoints as rows, wire-format dicts in and out, no Pulumi.

Badge groups live under ``/api_gateway/v1/badges/group`` and answer in a ``{"data", "errors",
"warnings"}`` envelope; reward groups live under ``/api_gateway/rewards/core/v1/group`` and answer
with the bare object (lists with ``groupRoList``/``pagingDto``, errors with ``status``) [doc].
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pulumi_groups.capillary import guesses
from pulumi_groups.capillary.auth import BasicAuth, OAuthAuth
from pulumi_groups.capillary.settings import OrgSettings
from pulumi_groups.errors import ApiError, NameTaken, NotFound, RequestFailed
from pulumi_groups.http.client import Endpoint, VendorClient, WireFormat, shared_client
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


def badge_envelope(body: Any) -> dict:
    """The group in a badge answer: ``data`` of the envelope, or the bare object, which the
    update sample shows [doc]; ``{}`` when it holds neither."""
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        return body["data"]
    return body if isinstance(body, dict) and "id" in body else {}


def bare_object(body: Any) -> dict:
    """The group in a reward answer: the body itself [doc]."""
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class GroupCall(Endpoint):
    """An endpoint that reads, creates or updates one group, as a row of ``CapillaryClient``:
    reading the row off a client gives its method (``client.get_badge_group(group_id)``), which
    ``CapillaryClient.call_group`` serves."""

    envelope: Callable[[Any], dict]  # where the answer keeps the group
    # What a success must hold ("badge group"): a read or create answered without it fails.
    holds: str = ""

    def __get__(self, client: CapillaryClient | None, owner: type | None = None) -> Callable[..., dict]:
        if client is None:
            return self  # type: ignore[return-value]  # the row itself, read off the class
        return partial(client.call_group, self)


LIST_BADGE_GROUPS = Endpoint("GET", "{badges}", "list badge groups")
LIST_REWARD_GROUPS = Endpoint("GET", "{rewards}", "list reward groups")


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

    def roots(self) -> dict[str, str]:
        return {"badges": BADGE_GROUPS_PATH, "rewards": self.reward_path}

    # -- reads, creates and updates of one group: one row each (see GroupCall) -------------
    # Bodies [doc]: badge create and update {"name", "rank"}, both always; reward create
    # {"name", "rank"} (no isActive), reward update {"name", "rank", "isActive"}, all three always.
    get_badge_group = GroupCall("GET", "{badges}/{group_id}", "read badge group", badge_envelope, holds="badge group")
    create_badge_group = GroupCall("POST", "{badges}", "create badge group", badge_envelope, creates=True,
                                   holds="badge group")
    update_badge_group = GroupCall(guesses.BADGE_UPDATE_METHOD, "{badges}/{group_id}", "update badge group",
                                   badge_envelope)
    get_reward_group = GroupCall("GET", "{rewards}/{group_id}", "read reward group", bare_object,
                                 holds="reward group")
    create_reward_group = GroupCall("POST", "{rewards}/create", "create reward group", bare_object, creates=True,
                                    holds="reward group")
    update_reward_group = GroupCall("PUT", "{rewards}/{group_id}", "update reward group", bare_object)

    def call_group(self, row: GroupCall, *args: Any) -> dict:
        """One ``GroupCall``: ``args`` are the group id when its path has one, then the body when
        it sends one. Answers the group (``{}`` when an update's answer lacks it)."""
        group_id = args[0] if "{group_id}" in row.path else None
        body = args[-1] if row.method != "GET" else None
        name = body.get("name") if body is not None else str(group_id)
        answer = self.send(row, group=name, body=body, group_id=group_id)
        group = self._saw(row.envelope(answer.body))
        if row.holds and group.get("id") in (None, ""):
            raise self._no_group(row, answer, group, name, group_id)
        return group

    def _no_group(self, row: GroupCall, answer: Response, group: dict, name: str | None,
                  group_id: Any) -> RequestFailed:
        """A read or create answered with success but without the group (``data: null``, an empty
        object, a group without an id) fails naming what was missing and the request id. After a
        create that leaves the outcome unknown (the create flow looks the group up by name); after
        a read the group is neither confirmed nor gone, so state keeps it."""
        missing = f"{row.holds} id" if group else row.holds  # a group without its id, or none at all
        path = row.path.format(**self.roots(), group_id=group_id)
        return RequestFailed(self.transport.context(row.operation, name, row.method, path),
                             f"the answer (HTTP {answer.status}) holds no {missing}", row.creates,
                             status=answer.status, request_id=answer.request_id)

    # -- listings: each its own paging ------------------------------------------------------
    def list_badge_groups(self) -> list[dict]:
        return fetch_all(lambda number: self._badge_page(number, guesses.PAGE_SIZE), first_page=0)

    def _badge_page(self, number: int, size: int) -> tuple[list[dict], int]:
        body = self.send(LIST_BADGE_GROUPS, params={"page": number, "size": size, "order": "ASC"}).body
        data = (body or {}).get("data") or {}
        pagination = data.get("pagination") or {}
        return self._saw(list(data.get("badgeGroups") or [])), int(pagination.get("totalPages") or 0)

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
        body = self.send(LIST_REWARD_GROUPS, params={
            "page": number,
            "size": size,
            "active": active,
            "name": name,
            "orderBy": "ASC",
            "sortOn": "LAST_UPDATED_ON",
        }).body or {}
        paging = body.get("pagingDto") or {}
        total = int(paging.get("totalPages") or 0)
        if paging.get("last") is True:
            total = min(total, number + 1) if total else number + 1
        return self._saw(list(body.get("groupRoList") or [])), total


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
