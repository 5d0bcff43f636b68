# Heroku-style config: everything comes from the environment.
import os
import multiprocessing

port = os.environ.get("PORT", "8000")
bind = [f"0.0.0.0:{port}"]

workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.getenv("PYTHON_MAX_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout
keepalive = 5

max_requests = 1000
max_requests_jitter = 50

if os.environ.get("APP_ENV", "development") == "production":
    loglevel = "warning"
    accesslog = None
else:
    loglevel = "debug"
    accesslog = "-"
    reload = True

if "FORWARDED_ALLOW_IPS" in os.environ:
    forwarded_allow_ips = os.environ["FORWARDED_ALLOW_IPS"]

errorlog = "-"
