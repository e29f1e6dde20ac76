"""Tests wait for events (a line printed, a delayed request landed, runs started), never for a
fixed time. A wait still has a bound so that a hang becomes a failure: this one, far beyond any
wait that ends normally, and never the verdict of a passing test."""

HANG_GUARD_SECONDS = 120.0
