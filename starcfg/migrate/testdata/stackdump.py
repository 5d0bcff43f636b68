# Dump every thread's stack when a worker is interrupted, to debug hangs.
import sys
import threading
import traceback

bind = "0.0.0.0:8000"
workers = 2
timeout = 120


def worker_int(worker):
    worker.log.info("worker received INT or QUIT signal; dumping stacks")
    names = {t.ident: t.name for t in threading.enumerate()}
    lines = []
    for ident, frame in sys._current_frames().items():
        lines.append("# Thread: %s (%d)" % (names.get(ident, ""), ident))
        for filename, lineno, name, line in traceback.extract_stack(frame):
            lines.append('File: "%s", line %d, in %s' % (filename, lineno, name))
            if line:
                lines.append("  %s" % (line.strip()))
    worker.log.debug("\n".join(lines))


def worker_abort(worker):
    worker.log.warning("worker %s timed out", worker.pid)
    try:
        import faulthandler
        faulthandler.dump_traceback()
    except Exception:
        pass
