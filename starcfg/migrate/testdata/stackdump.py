# Dump every thread's stack when a worker is interrupted, to debug hangs.
import sys
import threading
import traceback

bind = "0.0.0.0:8000"
workers = 2
timeout = 120

DUMP_HEADER = "=== stacks of worker %s ==="


def worker_int(worker):
    worker.log.warning(DUMP_HEADER, worker.pid)
    threads = dict((t.ident, t) for t in threading.enumerate())
    frames = sys._current_frames()
    report = ["%s:\n%s" % (threads[i].name if i in threads else i,
                           "".join(traceback.format_stack(f)))
              for i, f in frames.items()]
    worker.log.warning("\n\n".join(report))


def worker_abort(worker):
    worker.log.warning("worker %s timed out", worker.pid)
    try:
        import faulthandler
        faulthandler.dump_traceback()
    except Exception:
        pass
