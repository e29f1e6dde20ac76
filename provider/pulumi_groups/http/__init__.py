"""Layer 1, talking to a vendor over HTTP, with no Pulumi and no vendor specifics: the transport
(sessions, auth hook, urllib3 retries, timeouts, error decoding), the retry and timeout policy,
the client-side rate limit, shared tokens, paging, connection settings read from stack config,
and the process-wide registry that gives one credential one token and one rate budget."""
