"""Structured logs for the log shipper: one JSON object per request."""
import json
import os

accesslog = "-"
errorlog = "-"
loglevel = os.getenv("LOG_LEVEL", "info").lower()

access_log_format = json.dumps({
    "remote_ip": "%(h)s",
    "request_id": "%({x-request-id}i)s",
    "method": "%(m)s",
    "path": "%(U)s",
    "query": "%(q)s",
    "status": "%(s)s",
    "bytes": "%(B)s",
    "duration_us": "%(D)s",
    "referer": "%(f)s",
    "user_agent": "%(a)s",
})

# The older, hand-written form some services still carry around.
legacy_format = ('{"ts": "%(t)s", '
                 '"line": "%(r)s", '
                 '"status": %(s)s}')

bind = "127.0.0.1:8000"
workers = 2
