"""Every place the Capillary docs are silent or contradict themselves, decided once, here.

Marks follow the API notes: the rest of the package relies on [doc] facts; each name below is a
[guess] (or a choice between contradicting [doc] pages) with the reason beside it.
"""

# The update page's table says POST, its curl sample and sidebar say PUT; PUT is what the
# samples send and what the reward API uses for the same operation.
BADGE_UPDATE_METHOD = "PUT"

# Seed 001 shows /api_gateway/core/v1/group; every recent example and the OpenAPI paths use
# the /rewards/ form. Overridable per org with `capillary:orgs.<key>.rewardGroupsPath` (settings.py)
# should an older cluster need it.
REWARD_GROUPS_PATH = "/api_gateway/rewards/core/v1/group"

# Not-found on get-by-id is undocumented: 404, or 400 with an error item. Either only *suggests*
# "gone": the provider confirms against the list before dropping a group from state.
NOT_FOUND_STATUSES = frozenset({400, 404})
NOT_FOUND_WORDS = ("not found", "not exist", "does not exist", "invalid group", "no group")

# The badge list's default page size is undocumented (10 in the seed sample): always send it.
PAGE_SIZE = 100

# Whether the reward list without `active` returns inactive groups is undocumented: list
# active=true and active=false separately when every group is needed.
REWARD_LIST_ACTIVE_FILTERS = ("true", "false")

# A reward PUT without isActive may re-activate the group and one without rank may clear it:
# always send name, rank and isActive together.
REWARD_UPDATE_SENDS_ALL_FIELDS = True

# 429 carries no documented body or headers; urllib3 honours Retry-After when it is there.
# The rewards catalog reports errors as {"status": {"success": false, "code", "message"}};
# group endpoints are assumed to do the same.

# Renew an OAuth token this long before its ttlSeconds runs out, so no request carries a token
# that expires in flight.
TOKEN_RENEW_MARGIN_SECONDS = 60

# 401 = invalid token, 498 = expired token [doc]; either way a fresh token may help once.
TOKEN_REJECTED_STATUSES = frozenset({401, 498})

# No maximum group-name length is documented. 255 characters is the usual width of a name column
# and longer than any real group name; checking it at preview turns what would otherwise be an
# unreadable 400 (or a silently truncated name that no later lookup by name finds) during `up`
# into a message naming the field. Raise it here if Capillary is shown to accept longer names.
GROUP_NAME_MAX_LENGTH = 255
