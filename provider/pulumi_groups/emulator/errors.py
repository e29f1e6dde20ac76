"""Errors raised by the emulated vendor logic.

Domain code raises them; the route's response style (badge envelope, reward `status` object,
WeSurvey envelope) turns them into a response. The emulator's Python API lets them propagate:
they are ValueErrors whose message says what the vendor would have said.
"""

from __future__ import annotations


class VendorError(ValueError):
    """A request the vendor would refuse."""


class BadRequest(VendorError):
    """A malformed request (unparseable body, bad query parameter): each vendor's generic
    validation error."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CapillaryError(VendorError):
    """A Capillary error: HTTP status plus one or more (code, message) items. `gateway` marks
    errors raised by the API gateway (authentication), which keep the gateway's envelope
    whatever service the path leads to."""

    def __init__(self, status: int, *items: tuple[int, str], gateway: bool = False):
        super().__init__("; ".join(f"{code}: {message}" for code, message in items))
        self.status = status
        self.items = list(items)
        self.gateway = gateway


class WeSurveyError(VendorError):
    """A WeSurvey error, named by its documented `error.type` (status and code follow from it)."""

    def __init__(self, error_type: str, detail: str = ""):
        super().__init__(f"{error_type}: {detail}" if detail else error_type)
        self.error_type = error_type
