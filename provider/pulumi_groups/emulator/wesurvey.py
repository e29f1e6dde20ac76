"""WeSurvey's HTTP side: the token endpoint, token checks, the `{code, error, data, request_id}`
envelope and the contact-group routes (rules in contacts.py).
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from pulumi_groups.emulator import contacts, guesses
from pulumi_groups.emulator.backend import Backend
from pulumi_groups.emulator.errors import BadRequest, VendorError, WeSurveyError
from pulumi_groups.emulator.routing import AuthOutcome, Call, Route, Style
from pulumi_groups.emulator.wire import Request, Response, constant_time_equal, is_int, new_request_id

if TYPE_CHECKING:
    from pulumi_groups.emulator.credentials import WeSurveyApp

TOKEN_PATH = "/api/oauth2/access_token"
GROUPS = "/api/contacts/teams/{team_id}/groups"
CONTENT_TYPE = "application/json; charset=utf-8"


def envelope(data, code: str = "OK", error_type: str = "") -> dict:
    return {"code": code, "error": {"type": error_type}, "data": data, "request_id": new_request_id()}


def _ok(data) -> Response:
    return Response(200, envelope(data))


def _failure(error_type: str, status: int | None = None, message: str | None = None) -> Response:
    code, default_status = guesses.WESURVEY_ERRORS[error_type]
    body = envelope({}, code, error_type)
    if message is not None:
        body["error"]["message"] = message
    return Response(status or default_status, body)


class WeSurveyStyle(Style):
    def error_response(self, error: VendorError) -> Response:
        if isinstance(error, WeSurveyError):
            return _failure(error.error_type)
        if isinstance(error, BadRequest):
            return _failure("invalid_argument")
        raise TypeError(f"not a WeSurvey error: {error!r}")

    def status_response(self, status: int, message: str | None = None, code=None) -> Response:
        # `code` names the error.type here (e.g. contacts_group_not_found), when it is one.
        error_type = code if code in guesses.WESURVEY_ERRORS else guesses.WESURVEY_STATUS_TYPES.get(status) or (
            "internal_error" if status >= 500 else "invalid_argument"
        )
        return _failure(error_type, status, message)

    def finish(self, response: Response) -> Response:
        response.content_type = CONTENT_TYPE
        return response


WESURVEY = WeSurveyStyle()


# --------------------------------------------------------------------------------------------
# Tokens: one valid token per app, the latest
# --------------------------------------------------------------------------------------------


def authenticate_app(backend: Backend, request: Request) -> AuthOutcome:
    """The token call: appid + secret in the query. A wrong pair is answered by the handler."""
    app = backend.credentials.wesurvey_apps.get(request.arg("appid") or "")
    secret = request.arg("secret") or ""
    if app is None or not constant_time_equal(secret, app.secret):
        return AuthOutcome()
    return AuthOutcome(app.appid, app)


def access_token(call: Call) -> Response:
    if call.request.arg("grant_type") != "client_credential":
        raise WeSurveyError("invalid_argument", "grant_type must be client_credential")
    app: WeSurveyApp | None = call.principal
    if app is None:
        raise WeSurveyError(guesses.WESURVEY_BAD_APP_SECRET)
    token = secrets.token_hex(16)
    ttl = call.backend.options.wesurvey_token_ttl
    with call.backend.store.lock:
        # Replaces (so invalidates) the app's previous token: "only the latest is valid" [doc].
        call.backend.store.wesurvey_tokens[app.appid] = {"token": token, "expires_at": time.time() + ttl}
        call.backend.store.save()
    call.backend.metrics.token_fetched(app.appid)
    return _ok({"access_token": token, "expires_in": int(ttl)})


def authenticate_token(backend: Backend, request: Request) -> AuthOutcome:
    appid, token = request.arg("appid") or "", request.arg("access_token") or ""
    app = backend.credentials.wesurvey_apps.get(appid)
    with backend.store.lock:
        latest = backend.store.wesurvey_tokens.get(appid)
    if app is None or latest is None or not token or not constant_time_equal(token, latest["token"]):
        return AuthOutcome(error=WeSurveyError(guesses.WESURVEY_TOKEN_INVALID))
    if time.time() >= latest["expires_at"]:
        return AuthOutcome(appid, error=WeSurveyError(guesses.WESURVEY_TOKEN_EXPIRED))
    return AuthOutcome(appid, app)


def expire_all_tokens(backend: Backend) -> None:
    now = time.time()
    with backend.store.lock:
        for record in backend.store.wesurvey_tokens.values():
            record["expires_at"] = min(record["expires_at"], now)
        backend.store.save()


# --------------------------------------------------------------------------------------------
# Contact groups
# --------------------------------------------------------------------------------------------


def _team(call: Call) -> int:
    team_id = int(call.params["team_id"])
    app: WeSurveyApp = call.principal
    if team_id not in app.team_ids:
        if team_id in call.backend.store.teams:
            raise WeSurveyError("claim_error", f"app {app.appid} has no access to team {team_id}")
        raise WeSurveyError("contacts_team_not_found", f"team {team_id}")
    return team_id


def _value(body: dict, key: str, default):
    """A body field; null reads as the zero value, as a Go-style JSON binding would."""
    value = body.get(key)
    return default if value is None else value


def list_groups(call: Call) -> Response:
    team_id, request = _team(call), call.request
    page = request.int_arg("page", 1, minimum=1)  # 1-based [doc]
    per_page = request.int_arg("per_page", guesses.WESURVEY_DEFAULT_PER_PAGE, minimum=1)
    parent_id = request.int_arg("parent_id", -1, minimum=0) if request.arg("parent_id") else None
    remote_ids = set(request.query.get("remote_ids", [])) or None
    groups = contacts.list_groups(call.backend.store, team_id, parent_id, remote_ids)
    chunk = groups[(page - 1) * per_page : page * per_page]
    return _ok({"list": [contacts.render(call.backend.store, g) for g in chunk], "total": len(groups)})


def create(call: Call) -> Response:
    team_id, body = _team(call), call.request.json_object()
    group = contacts.create_group(
        call.backend.store,
        team_id,
        body.get("name"),
        _value(body, "parent_id", 0),
        _value(body, "order", 0),
        _value(body, "remote_id", ""),
        max_depth=call.backend.options.wesurvey_max_depth,
    )
    return _ok({"group_id": group["id"], "name": group["name"]})


def update(call: Call) -> Response:
    team_id, body = _team(call), call.request.json_object()
    changes = {"name": body.get("name")}
    if body.get("order") is not None:
        changes["order"] = body["order"]
    from_id, to_id = body.get("from_id"), body.get("to_id")
    if (from_id is None) != (to_id is None):
        raise WeSurveyError("invalid_argument", "from_id and to_id go together")
    group = contacts.find_group(call.backend.store, team_id, int(call.params["group_id"]))
    if group is None:
        raise WeSurveyError("contacts_group_not_found", call.params["group_id"])
    if from_id is not None:
        if from_id != group["parent_id"]:
            raise WeSurveyError("invalid_argument", "from_id is not the group's current parent")
        changes["parent_id"] = to_id
    contacts.update_group(call.backend.store, group, changes, max_depth=call.backend.options.wesurvey_max_depth)
    return _ok({})


def batch_delete(call: Call) -> Response:
    team_id, body = _team(call), call.request.json_object()
    group_ids = body.get("group_ids")
    if not isinstance(group_ids, list) or not group_ids or not all(is_int(i) for i in group_ids):
        raise WeSurveyError("invalid_argument", "group_ids must be a non-empty list of integers")
    unknown = call.backend.options.wesurvey_batch_delete_unknown
    contacts.delete_groups(call.backend.store, team_id, group_ids, unknown=unknown)
    return _ok({})


def _route(method: str, template: str, handler, authenticate=authenticate_token) -> Route:
    return Route(method, template, handler, WESURVEY, authenticate, param_pattern=r"\d+")


ROUTES = [
    _route("GET", TOKEN_PATH, access_token, authenticate_app),
    _route("GET", GROUPS, list_groups),
    _route("POST", GROUPS, create),
    _route("POST", GROUPS + "/batch_delete", batch_delete),
    _route("POST", GROUPS + "/{group_id}", update),
]
