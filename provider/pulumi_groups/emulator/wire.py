"""Request/response values and the byte-level details of the vendors' JSON.

Kept free of sockets so the request pipeline can be read (and reasoned about) without
http.server in the way.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

from pulumi_groups.emulator.errors import BadRequest


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
        path, _, query = target.partition("?")
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(query, keep_blank_values=True),
            headers={name.lower(): value for name, value in headers.items()},
            body=body,
        )

    def arg(self, name: str) -> str | None:
        """First value of a query parameter, None when absent."""
        values = self.query.get(name)
        return values[0] if values else None

    def int_arg(self, name: str, default: int, minimum: int) -> int:
        text = self.arg(name)
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            raise BadRequest(f"Query parameter {name!r} must be an integer") from None
        if value < minimum:
            raise BadRequest(f"Query parameter {name!r} must be >= {minimum}")
        return value

    def json(self) -> Any:
        """The body as JSON; an empty body reads as {} (clients may omit it on bodiless POSTs)."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"Request body is not valid JSON: {exc}") from None

    def json_object(self) -> dict:
        body = self.json()
        if not isinstance(body, dict):
            raise BadRequest("Request body must be a JSON object")
        return body


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able value, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json;charset=UTF-8"

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return dumps(self.body).encode("utf-8")


def constant_time_equal(given: str, expected: str) -> bool:
    """Compare a secret without leaking timing; unlike hmac.compare_digest on str, this copes
    with non-ASCII input (a header or query value can carry anything)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def is_int(value: Any) -> bool:
    """A JSON integer (json gives bool for true/false, which Python counts as int)."""
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------------------------
# JSON with Capillary's nine-decimal epoch seconds
# --------------------------------------------------------------------------------------------


class EpochSeconds(float):
    """Badge timestamps: epoch seconds that Capillary writes with nine decimals
    (`1743497864.510000000`). To Python code it is a plain float; `dumps` writes the exact
    nine-decimal text, which json.dumps cannot (it always writes the shortest repr)."""

    text: str

    def __new__(cls, micros: int) -> EpochSeconds:
        value = super().__new__(cls, micros / 1_000_000)
        value.text = f"{micros // 1_000_000}.{micros % 1_000_000:06d}000"
        return value


# Raw numbers travel through json.dumps as marked strings, then lose their quotes. The marker
# starts with NUL (always escaped as \u0000 by json) and carries a per-process random part, so
# it cannot collide with text a client sent.
_RAW_NONCE = secrets.token_hex(8)
_RAW_MARK = f"\x00raw-{_RAW_NONCE}:"
_RAW_TOKEN = re.compile(r'"\\u0000raw-' + _RAW_NONCE + r':([-0-9.]+)"')


def _mark_raw_numbers(value: Any) -> Any:
    if isinstance(value, EpochSeconds):
        return _RAW_MARK + value.text
    if isinstance(value, dict):
        return {key: _mark_raw_numbers(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mark_raw_numbers(item) for item in value]
    return value


def dumps(value: Any) -> str:
    text = json.dumps(_mark_raw_numbers(value), ensure_ascii=False)
    return _RAW_TOKEN.sub(r"\1", text)


# --------------------------------------------------------------------------------------------
# Clock and timestamp formats
# --------------------------------------------------------------------------------------------


def now_micros() -> int:
    return time.time_ns() // 1000


def iso_utc(micros: int) -> str:
    """`2025-04-01T08:57:44Z`: Capillary's EU servers answer in UTC, whole seconds."""
    moment = datetime.fromtimestamp(micros // 1_000_000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_with_offset(micros: int, offset_hours: int) -> str:
    """`2021-06-24T18:24:45+08:00`: WeSurvey's format, whole seconds."""
    zone = timezone(timedelta(hours=offset_hours))
    return datetime.fromtimestamp(micros // 1_000_000, tz=zone).isoformat()


def new_request_id() -> str:
    return str(uuid.uuid4())
