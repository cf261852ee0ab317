"""What an operator watches: metrics, request logs, per-client rate limits, all applied by one middleware.

- ``metrics``: the Prometheus registry of one app and ``GET /metrics``.
- ``request_logs``: request ids, the JSON log format, and logging set up from the settings.
- ``clients``: who a request counts against (a partner by its token, else an address).
- ``rate_limits``: token buckets per client, with idle ones evicted.
- ``middleware``: the ASGI middleware that ties them together, once per request.
"""
