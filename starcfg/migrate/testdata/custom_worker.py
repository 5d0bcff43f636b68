# An ASGI app under uvicorn's worker class, with a tuned subclass.
from uvicorn.workers import UvicornWorker
import multiprocessing as mp

wsgi_app = "myproj.asgi:application"


class TunedWorker(UvicornWorker):
    CONFIG_KWARGS = {"loop": "uvloop", "http": "httptools", "lifespan": "on"}


worker_class = "myproj.gunicorn_conf.TunedWorker"
workers = mp.cpu_count()
worker_connections = 2000
keepalive = 75
preload_app = True
sendfile = False
forwarded_allow_ips = "*"
proxy_protocol = True
