# Hooks that tell the operator what the server is doing.
import time

bind = ["127.0.0.1:8000", "[::1]:8000"]
workers = 3
worker_class = "sync"


def on_starting(server):
    server.log.info("Starting with %d workers", server.num_workers)


def when_ready(server):
    server.log.info("Server is ready. Spawning workers")


def pre_fork(server, worker):
    pass


def post_fork(server, worker):
    server.log.info("Worker spawned (pid: %s)", worker.pid)


def post_worker_init(worker):
    worker.log.debug("worker %s initialised", worker.pid)


def pre_request(worker, req):
    worker.log.debug("%s %s", req.method, req.path)


def post_request(worker, req, environ, resp):
    if resp.status.startswith("5"):
        worker.log.warning("server error on %s: %s", req.path, resp.status)


def child_exit(server, worker):
    server.log.warn("worker %s exited", worker.pid)


def worker_exit(server, worker):
    started = time.time()
    server.log.exception("worker %s is going away", worker.pid)


def nworkers_changed(server, new_value, old_value):
    if old_value is not None:
        server.log.info("workers: %s -> %s", old_value, new_value)


def on_exit(server):
    server.log.info("Bye")
