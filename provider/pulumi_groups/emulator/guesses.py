"""Every emulator behaviour the vendor docs do not pin down, in one place.

The Capillary and WeSurvey pages (see the project's API notes) document the happy paths and a few
error codes; everything below is our reading where they are silent or contradict themselves.
Each constant says why we chose it. Behaviours a client could plausibly depend on (not-found
status, default page size, list without `active`, batch delete of unknown ids) are also switches
on `Emulator(...)`, so tests can run under both readings instead of confirming our own guess.
"""

# --------------------------------------------------------------------------------------------
# Capillary: authentication
# --------------------------------------------------------------------------------------------

# A missing or wrong Basic header, or an OAuth token we never issued. The docs give only the
# HTTP status (401); no code or message is documented, so we reuse the status as the code.
CAPILLARY_UNAUTHORIZED = (401, "Unauthorized: invalid or missing credentials")

# Expired OAuth token: HTTP 498 and "Token expired at ..." are documented, the code is not.
CAPILLARY_TOKEN_EXPIRED_CODE = 498

# Auth failures come from the API gateway before any service sees the request, so they use the
# gateway's badge-style envelope on every path, reward paths included (whose own errors use a
# `status` object). A client must therefore be ready for both shapes on reward paths.

# When a request carries both `X-CAP-API-OAUTH-TOKEN` and `Authorization: Basic`, the docs do
# not say which wins; we use the OAuth token (the more specific, newer scheme).

# `POST /v3/oauth/token/generate` with a bad key/secret: the body is documented
# (code 320001), the HTTP status is not. We answer 401, like other credential failures.
OAUTH_INVALID_CLIENT_STATUS = 401

# --------------------------------------------------------------------------------------------
# Capillary: not found, validation, defaults
# --------------------------------------------------------------------------------------------

# Status for get/update of an unknown group id (badge and reward). Docs are silent; 404 is the
# REST reading, 400 is what many Capillary endpoints answer for "bad id". Switch:
# Emulator(not_found_status=...).
NOT_FOUND_STATUS = 404
# No error code is documented for not-found; we reuse 404 as the code (the reward API already
# uses an HTTP-looking code, 400, for "Group name must not be null").
BADGE_GROUP_NOT_FOUND = (404, "Badge group not found")
REWARD_GROUP_NOT_FOUND = (404, "Group not found")

# Only 732 (rank) and 733 (unique name) are documented for badge groups. A missing name must be
# rejected too (name is marked required); 731 is our invented neighbour.
BADGE_NAME_MANDATORY = (731, "Group Name is Mandatory.")
# A rank that is not a 32-bit integer: documented samples stop at 214748364 and the type is a
# Java Integer, so a bigger number would fail JSON binding. We answer code 400.
BADGE_RANK_OUT_OF_RANGE = (400, "Group Rank must be a 32-bit integer.")
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

# A blank name ("   ") counts as missing for both badge and reward groups; otherwise names are
# compared exactly (no trimming, no case folding).

# Badge update: the page's table says POST, its sample and the sidebar PUT: both are served on
# /api_gateway/v1/badges/group/{id}. Its response sample is a bare object while create/list
# (and the API notes) use the envelope: update answers with the envelope too.

# Other validation failures (bad query parameter, body that is not a JSON object): no code is
# documented; we follow the reward API's habit of using 400 as the code.
CAPILLARY_BAD_REQUEST_CODE = 400

# Badge list page size when `size` is absent. The list page writes "Default value: 10" on the
# `page` row, which can only mean the size. Switch: Emulator(badge_default_page_size=...).
BADGE_DEFAULT_PAGE_SIZE = 10
# Badge list `order` when absent: the documented example asks for ASC; we default to it.
BADGE_DEFAULT_ORDER = "ASC"

# Reward list without `active`: the docs do not say whether it returns every group or only the
# active ones. None = every group, True = active only. Switch:
# Emulator(reward_list_default_active=...).
REWARD_LIST_DEFAULT_ACTIVE = None
REWARD_LIST_DEFAULT_PAGE_SIZE = 10
# `name` filter: exact, case-sensitive match (names are unique and case-sensitive); the docs
# show `name=VIP` without saying whether it is a prefix/contains search.
REWARD_LIST_NAME_MATCH = "exact"
# Without `sortOn`, groups come in creation (id) order; without `orderBy`, ascending.
# With sortOn=RANK, groups whose rank is null sort after every ranked group in both directions.
REWARD_LIST_DEFAULT_ORDER = "ASC"
# The success status code 12013 is documented, its message is not.
REWARD_LIST_SUCCESS = (12013, "Groups fetched successfully")

# PUT semantics for omitted fields (docs silent, the API notes warn about both):
# without `isActive` the group keeps its state; without `rank` the rank becomes null
# (the handler binds the body to an object whose missing Integer is null).
REWARD_PUT_WITHOUT_RANK_CLEARS_RANK = True
# A rank that is present but not an integer (nor null).
REWARD_INVALID_RANK = (400, "Group rank must be an integer")
REWARD_INVALID_IS_ACTIVE = (400, "isActive must be a boolean")

# Error code/message pairs we send for generic HTTP statuses (fault injection, rate limit,
# unknown route, wrong method). 500 / 999999 is documented on sibling badge endpoints; the rest
# are our choice.
CAPILLARY_STATUS_ERRORS = {
    400: (400, "Bad request"),
    404: (404, "Resource not found"),
    405: (405, "Method not allowed"),
    429: (429, "Too many requests: rate limit exceeded"),
    500: (999999, "Internal server error"),
    502: (999999, "Bad gateway"),
    503: (999999, "Service unavailable"),
    504: (999999, "Gateway timeout"),
}

# createdBy/lastUpdatedBy for changes made "in the vendor's console" through the emulator's
# Python API (out-of-band changes), which have no API credential.
CONSOLE_USER_ID = 75000001

# --------------------------------------------------------------------------------------------
# Rate limiting (both vendors)
# --------------------------------------------------------------------------------------------

# Per credential, sliding window. No 429 body or header is documented. We send 429 with the
# vendor's error shape and, unless switched off, `Retry-After` in whole seconds until a slot
# frees. A rejected request does not use up a slot (a client backing off recovers on time).
# Requests without a valid credential are not limited: the gateway keys its budget on the
# credential and has nothing to key on.

# --------------------------------------------------------------------------------------------
# WeSurvey
# --------------------------------------------------------------------------------------------

# HTTP status and envelope `code` for each error.type. The docs list the types and, in samples,
# the codes OK / InvalidArgument / PermissionDenied / NotFound / ResourceExhausted, but never an
# HTTP status: we answer 4xx matching the code. Unauthenticated (401) is our addition for token
# problems (no documented type covers them); Internal/Unavailable cover injected 5xx faults.
WESURVEY_ERRORS = {
    # type: (code, HTTP status)
    "invalid_argument": ("InvalidArgument", 400),
    "invalid_param": ("InvalidArgument", 400),
    "claim_error": ("PermissionDenied", 403),
    "invalid_org_subscription": ("PermissionDenied", 403),
    "contacts_team_not_found": ("NotFound", 404),
    "contacts_group_not_found": ("NotFound", 404),
    "parent_group_not_found": ("NotFound", 404),
    "group_too_deep": ("InvalidArgument", 400),
    "default_group_be_modified": ("PermissionDenied", 403),
    "duplicated_remote_id": ("InvalidArgument", 400),
    "request_rate_limited": ("ResourceExhausted", 429),
    # [guess] token errors: no documented type; the names are ours.
    "invalid_appid_or_secret": ("Unauthenticated", 401),
    "access_token_expired": ("Unauthenticated", 401),
    "invalid_access_token": ("Unauthenticated", 401),
    # fault injection / unknown routes
    "not_found": ("NotFound", 404),
    "method_not_allowed": ("InvalidArgument", 405),
    "internal_error": ("Internal", 500),
    "bad_gateway": ("Unavailable", 502),
    "service_unavailable": ("Unavailable", 503),
    "gateway_timeout": ("Unavailable", 504),
}
# error.type for a generic HTTP status (faults, rate limit, routing).
WESURVEY_STATUS_TYPES = {
    400: "invalid_argument",
    404: "not_found",
    405: "method_not_allowed",
    429: "request_rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}

# Token call with an unknown appid or a wrong secret.
WESURVEY_BAD_APP_SECRET = "invalid_appid_or_secret"
# A token that is the app's latest but past its lifetime.
WESURVEY_TOKEN_EXPIRED = "access_token_expired"
# A token that was superseded by a newer one ("only the latest is valid"), never issued, issued
# to another appid, or missing.
WESURVEY_TOKEN_INVALID = "invalid_access_token"

# List page size when `per_page` is absent (the doc's example uses 10).
WESURVEY_DEFAULT_PER_PAGE = 10
# List order: the doc's sample lists order 1002 before order 0, and id 6033 before 6031; we sort
# by `order` descending, then id descending, which matches both readings of the sample.

# Hierarchy depth limit: `group_too_deep` exists, the limit is not documented. Top level = 1.
# Switch: Emulator(wesurvey_max_depth=...).
WESURVEY_MAX_DEPTH = 3

# batch_delete with ids that do not exist in the team: "ignore" (delete the rest, answer OK,
# which makes a retried delete idempotent) or "error" (contacts_group_not_found, nothing
# deleted). Switch: Emulator(wesurvey_batch_delete_unknown=...).
WESURVEY_BATCH_DELETE_UNKNOWN = "ignore"

# A batch that includes the team's default group is rejected whole (default_group_be_modified),
# nothing deleted: all-or-nothing is the safer reading.

# Moving a group: `from_id` and `to_id` must come together, and `from_id` must equal the current
# parent (else invalid_argument). Children may be created under, or moved into, the default
# group: only the default group itself is protected.

# JSON null in a create/update body reads as the field's zero value (parent_id 0, order 0,
# remote_id ""), as a Go-style binding would; `order` omitted on update keeps the current order.
# batch_delete with an empty `group_ids` list is invalid_argument.

# `source` of groups created through the API (the doc's samples show 2 for API-made groups) and
# of the team's default group.
WESURVEY_API_GROUP_SOURCE = 2
WESURVEY_DEFAULT_GROUP_SOURCE = 0
WESURVEY_DEFAULT_GROUP_NAME = "Default group"

# Time zone of WeSurvey timestamps (the samples carry +08:00, China Standard Time).
WESURVEY_UTC_OFFSET_HOURS = 8
