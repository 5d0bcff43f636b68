# Metrics to the local Datadog agent.
import os
import socket

bind = "unix:/run/app/gunicorn.sock"
workers = 4

statsd_host = os.environ.get("STATSD_HOST", "localhost") + ":8125"
statsd_prefix = "web.%s" % os.environ.get("SERVICE_NAME", "api")
dogstatsd_tags = f"env:{os.getenv('DD_ENV', 'dev')},service:api"
enable_backlog_metric = True

hostname = socket.gethostname()
proc_name = "api-" + hostname
