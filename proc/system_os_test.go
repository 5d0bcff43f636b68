package proc

import (
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/workerpipe"
)

// socketPair is the two ends of a worker's pipe, as the master makes it.
func socketPair(t *testing.T) (master, worker net.Conn) {
	t.Helper()
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range pair {
		f := os.NewFile(uintptr(fd), "pipe")
		if conns[i], err = net.FileConn(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		t.Cleanup(func() { conns[i].Close() })
	}
	return conns[0], conns[1]
}

// A stop sent right after the spawn (a TERM, or a TTOU, while workers
// boot) reaches the worker after its boot message: a worker whose first
// message is not Boot exits as a boot failure.
func TestStopRightAfterSpawnFollowsTheBootMessage(t *testing.T) {
	for range 50 {
		ours, theirs := socketPair(t)
		events := make(chan event, 4)
		pipe := startPipe(ours, 42, &workerpipe.Boot{ID: 7}, events)
		if err := pipe.Send(workerpipe.Message{Kind: workerpipe.KindStop}); err != nil {
			t.Fatal(err)
		}
		worker := workerpipe.NewConn(theirs)
		for _, want := range []workerpipe.Kind{workerpipe.KindBoot, workerpipe.KindStop} {
			msg, err := worker.Receive()
			if err != nil || msg.Kind != want {
				t.Fatalf("the worker got %q (%v), want %q", msg.Kind, err, want)
			}
		}
	}
}

// A process's memory cgroup is read from its membership; one that has
// exited already is taken to be in the master's, as a worker inherits it.
// The counter of what is found reads.
func TestOSMemoryCgroup(t *testing.T) {
	self := osSystem{}.MemoryCgroup(os.Getpid())
	if gone := (osSystem{}).MemoryCgroup(1 << 30); gone != self {
		t.Errorf("an exited process's cgroup is %v, want the master's %v", gone, self)
	}
	if _, err := (osSystem{}).OOMKills(self); err != nil {
		t.Errorf("OOMKills(%v): %v", self, err)
	}
}
