"""Every place the WeSurvey docs are silent, decided once, here (the client's side).

The rest of the package relies on [doc] facts from the API notes; each name below is a [guess]
with the reason beside it. The emulator keeps its own, independent guesses
(``pulumi_groups.emulator.guesses``): the client must not read them, or the tests would only
confirm our own reading.
"""

# Tokens live 7200 s [doc]. Renew this long before ``expires_in`` runs out, so no request carries
# a token that expires in flight; short lifetimes (tests) renew in their last tenth instead.
TOKEN_RENEW_MARGIN_SECONDS = 300
TOKEN_RENEW_MARGIN_FRACTION = 0.1
# When the token answer carries no ``expires_in``.
TOKEN_DEFAULT_TTL_SECONDS = 7200

# No error.type is documented for an expired or superseded token. Treat as "the token was
# refused, a fresh one may help" any 401, any envelope code ``Unauthenticated`` and any
# error.type that speaks of the token. Only ever costs one token fetch and one re-send.
TOKEN_REJECTED_STATUSES = frozenset({401})
TOKEN_REJECTED_CODES = frozenset({"Unauthenticated"})
TOKEN_REJECTED_TYPE_WORD = "token"

# The maximum ``per_page`` is undocumented (the docs show 10). Ask for 100, and never trust that
# the server honoured it: keep paging until ``total`` groups have arrived or a page is empty.
PAGE_SIZE = 100

# ``remote_ids`` is an "array" in the query string: sent as a repeated parameter
# (``remote_ids=a&remote_ids=b``), the usual encoding of Go/gRPC-gateway servers.
REMOTE_IDS_PARAM = "remote_ids"

# WeSurvey's rate limit per appid is undocumented (``request_rate_limited`` exists). One request
# a second keeps a large ``pulumi up`` well clear of any plausible limit; raise it per account
# with ``requestsPerMinute`` when the real limit is known.
DEFAULT_REQUESTS_PER_MINUTE = 60.0
DEFAULT_TIMEOUT_SECONDS = 30.0

# The update body's ``order`` is optional [doc]; whether omitting it keeps or resets the order is
# not said. So ``order`` is always managed (default 0, the order the samples show for groups made
# without one) and always sent: a declaration means the same thing whatever the vendor's default.
DEFAULT_ORDER = 0

# Name uniqueness among siblings is not documented, and WeSurvey is assumed not to enforce it:
# adoption by name (no remote id) looks the group up *before* creating, since no "name taken"
# answer will come to trigger it.

# Moving needs ``from_id`` (the current parent) and ``to_id`` [doc]; the current parent is taken
# from state (the last create/update/refresh). After an out-of-band move, refresh first.

# Replacing a group creates the new one before deleting the old (children move over to it
# first), except when both would hold the same remote id in the same team at once.

# No maximum contact-group name length is documented. 255 characters is the usual width of a name
# column and longer than any real group name; checking it at preview turns an unreadable
# rejection (or a truncated name that the name lookups then never find) during `up` into a
# message naming the field. Raise it here if WeSurvey is shown to accept longer names.
GROUP_NAME_MAX_LENGTH = 255
