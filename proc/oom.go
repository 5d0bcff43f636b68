package proc

import (
	"fmt"
	"syscall"

	"github.com/gocorn/gocorn/starcfg/cgroup"
)

// A worker that dies of a SIGKILL the master did not send was most
// likely killed by the kernel's OOM killer, but the wait status cannot
// say so: the kernel's kill and kill -9 look the same. The kernel counts
// its kills in the memory cgroup of the process it killed (oom_kill in
// memory.events, or memory.oom_control on cgroup v1), whichever limit
// was hit, the cgroup's, an ancestor's or the machine's. So the master
// notes, when it starts a worker, which cgroup it is in and that
// counter's value; a counter that has risen since, by a kill no other
// worker's death has accounted for yet, names the OOM killer. A worker
// outside any memory cgroup (the v2 root) has only the machine's counter
// (/proc/vmstat), which says that some process was killed, not which:
// that is a hint in the log line, not a confirmed OOM kill.

// oomWatch is what the master knows of a worker's memory cgroup.
type oomWatch struct {
	cg   cgroup.Memory // the zero Memory: none, the machine's counter
	base uint64        // the counter when the worker started
	ok   bool          // the counter could be read then
}

// watchMemory notes pid's memory cgroup and its OOM-kill counter, as the
// worker starts.
func watchMemory(sys system, pid int) oomWatch {
	cg := sys.MemoryCgroup(pid)
	n, err := sys.OOMKills(cg)
	return oomWatch{cg: cg, base: n, ok: err == nil}
}

// oomFinding is what the OOM-kill counters say of a worker's death.
type oomFinding int

const (
	oomUnknown   oomFinding = iota // nothing: the SIGKILL came from someone else, or cannot be told
	oomCgroup                      // its cgroup's counter rose: the OOM killer killed it
	oomSomewhere                   // only the machine's counter rose: some process was killed
)

// oomVerdict is the finding about one worker, with the limit that bound
// when it is known.
type oomVerdict struct {
	finding oomFinding
	limit   int64 // bytes; 0 when no cgroup limit applies
}

// confirmed tells whether the OOM killer killed the worker.
func (v oomVerdict) confirmed() bool { return v.finding == oomCgroup }

// oomCheck looks at the counters for w, which died with ws: only a
// SIGKILL the master did not send is looked into. A rise is attributed
// to one worker at a time (seen, by cgroup), so one kill never names two
// deaths, while two workers killed together are both named.
func (f *fleet) oomCheck(w *worker, ws syscall.WaitStatus) oomVerdict {
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL || w.killedFor != "" || !w.memory.ok {
		return oomVerdict{}
	}
	n, err := f.sys.OOMKills(w.memory.cg)
	seen := max(w.memory.base, f.oomSeen[w.memory.cg])
	if err != nil || n <= seen {
		return oomVerdict{}
	}
	f.oomSeen[w.memory.cg] = seen + 1
	if w.memory.cg == (cgroup.Memory{}) {
		return oomVerdict{finding: oomSomewhere}
	}
	limit, _ := f.sys.MemoryLimit(w.memory.cg)
	return oomVerdict{finding: oomCgroup, limit: limit}
}

// killLine is the log line of a worker killed by a SIGKILL the master
// did not send; sent is "Worker (pid:N) was sent SIGKILL!".
func (v oomVerdict) killLine(pid int, sent string) string {
	switch {
	case v.finding == oomCgroup && v.limit > 0:
		return fmt.Sprintf("Worker (pid:%d) was killed by the kernel's OOM killer (cgroup memory limit %s)", pid, sizeText(v.limit))
	case v.finding == oomCgroup:
		return fmt.Sprintf("Worker (pid:%d) was killed by the kernel's OOM killer (no cgroup memory limit: the machine ran out of memory)", pid)
	case v.finding == oomSomewhere:
		return sent + " Perhaps out of memory? The kernel's OOM killer killed a process on this machine meanwhile (/proc/vmstat), maybe this one."
	}
	return sent + " Perhaps out of memory?"
}

// sizeText says a number of bytes as a person reads a memory limit:
// "512 MiB", "2 GiB", "95.4 MiB", "4096 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
