"""Process-wide shared state keyed by vendor + credential.

``configure()`` runs once per distinct pickled provider, so BadgeGroup's and RewardGroup's
providers are configured separately; and provider instances are pickled into state, so nothing
long-lived may sit on them. Token caches, rate limiters and list snapshots therefore live here,
keyed by credential, so one org has one token and one rate budget across all resource types.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_shared: dict[Hashable, object] = {}


def credential_key(vendor: str, base_url: str, principal: str, secret: str) -> tuple[str, str, str, str]:
    """A key that tells credentials apart without holding the secret itself."""
    fingerprint = hashlib.sha256(f"{principal}\0{secret}".encode()).hexdigest()[:16]
    return (vendor, base_url.rstrip("/"), principal, fingerprint)


def principal_of(credential: Hashable) -> Hashable:
    """Who a credential key is, without its secret's fingerprint: vendor, host and principal
    (username, clientKey, appId). What tells orgs apart, since a secret never may."""
    return tuple(credential[:3]) if isinstance(credential, tuple) else credential


def shared(family: str, key: Hashable, factory: Callable[[], T]) -> T:
    """The one object of ``family`` (e.g. "capillary-auth", "read-snapshot") for ``key`` in this
    process, made by ``factory`` on first use."""
    with _lock:
        found = _shared.get((family, key))
        if found is None:
            found = _shared[(family, key)] = factory()
        return found  # type: ignore[return-value]  # one dict holds every family; callers pair family and T


def clear() -> None:
    """Forget everything (tests that restart an emulator on the same port use this)."""
    with _lock:
        _shared.clear()
