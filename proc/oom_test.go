package proc

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/starcfg/cgroup"
)

// A SIGKILL the master did not send is named as the OOM killer's when
// the worker's memory cgroup counted a kill since the worker started,
// with the limit that binds; a kill is named once; the machine's counter
// alone only hints; what cannot be read stays "Perhaps out of memory?".
func TestOOMKillIsNamed(t *testing.T) {
	pod := cgroup.Memory{Root: "/sys/fs/cgroup", Path: "/kubepods/pod1"}
	for _, tc := range []struct {
		name    string
		cg      cgroup.Memory
		before  uint64 // the counter when the worker started
		after   uint64 // when it died
		limit   int64  // 0: none
		readErr error
		byUs    bool // the master sent the SIGKILL
		line    string
		counted bool
	}{
		{name: "cgroup limit", cg: pod, before: 2, after: 3, limit: 512 << 20, counted: true,
			line: "[ERROR] Worker (pid:%d) was killed by the kernel's OOM killer (cgroup memory limit 512 MiB)"},
		{name: "odd limit", cg: pod, after: 1, limit: 100_000_000, counted: true,
			line: "[ERROR] Worker (pid:%d) was killed by the kernel's OOM killer (cgroup memory limit 95.4 MiB)"},
		{name: "cgroup without a limit", cg: pod, after: 1, counted: true,
			line: "[ERROR] Worker (pid:%d) was killed by the kernel's OOM killer (no cgroup memory limit: the machine ran out of memory)"},
		{name: "counter did not rise", cg: pod, before: 4, after: 4, limit: 512 << 20,
			line: "[ERROR] Worker (pid:%d) was sent SIGKILL! Perhaps out of memory?"},
		{name: "counter unreadable", cg: pod, after: 1, readErr: fmt.Errorf("gone"),
			line: "[ERROR] Worker (pid:%d) was sent SIGKILL! Perhaps out of memory?"},
		{name: "only the machine's counter", before: 10, after: 11,
			line: "[ERROR] Worker (pid:%d) was sent SIGKILL! Perhaps out of memory? The kernel's OOM killer killed a process on this machine meanwhile (/proc/vmstat), maybe this one."},
		{name: "the master's own SIGKILL", cg: pod, after: 1, byUs: true,
			line: "[ERROR] Worker (pid:%d) was sent SIGKILL! (killed by the master: graceful_timeout)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFleetTest(t, basePolicy, 0)
			ft.sys.memcg[ft.sys.lastPID+1] = tc.cg
			ft.sys.oomKills[tc.cg] = tc.before
			if tc.limit > 0 {
				ft.sys.memLimit[tc.cg] = tc.limit
			}
			ft.f.setTarget(1)
			ft.f.reconcile()
			ft.ready(1)
			ft.sys.advance(time.Hour)
			ft.sys.oomKills[tc.cg], ft.sys.oomErr = tc.after, tc.readErr
			w := ft.byID(1)
			if tc.byUs {
				ft.f.kill(w, "graceful_timeout")
			}
			ft.exit(1, signaled(syscall.SIGKILL))
			ft.wantLog(fmt.Sprintf(tc.line, w.pid))
			if got := ft.f.counts.OOMKilled; got != map[bool]uint64{true: 1}[tc.counted] {
				t.Errorf("OOMKilled = %d, want counted %t", got, tc.counted)
			}
			if ft.called(fmt.Sprintf("oom_killed %d", w.pid)) != tc.counted {
				t.Errorf("oomKilled hook: calls %q, want it called %t", ft.calls, tc.counted)
			}
		})
	}
}

// One rise of the counter names one death: of two workers killed with
// SIGKILL after one OOM kill, the second is not named; after two, both
// are. Another signal is never looked into.
func TestOOMKillNamesOneDeathPerKill(t *testing.T) {
	cg := cgroup.Memory{Root: "/sys/fs/cgroup/memory", Path: "/app", V1: true}
	for _, tc := range []struct {
		kills  uint64
		second string
	}{
		{1, "was sent SIGKILL! Perhaps out of memory?"},
		{2, "was killed by the kernel's OOM killer (cgroup memory limit 64 MiB)"},
	} {
		ft := newFleetTest(t, basePolicy, 0)
		for pid := ft.sys.lastPID + 1; pid <= ft.sys.lastPID+3; pid++ {
			ft.sys.memcg[pid] = cg
		}
		ft.sys.memLimit[cg] = 64 << 20
		ft.f.setTarget(3)
		ft.f.reconcile()
		ft.ready(1, 2, 3)
		ft.sys.oomKills[cg] = tc.kills
		ft.exit(3, signaled(syscall.SIGABRT))
		ft.exit(1, signaled(syscall.SIGKILL))
		ft.exit(2, signaled(syscall.SIGKILL))
		ft.wantLog(fmt.Sprintf("Worker (pid:%d) was killed by the kernel's OOM killer (cgroup memory limit 64 MiB)", ft.pid(1)))
		ft.wantLog(fmt.Sprintf("Worker (pid:%d) %s", ft.pid(2), tc.second))
		if ft.f.counts.OOMKilled != tc.kills {
			t.Errorf("%d kills: OOMKilled = %d", tc.kills, ft.f.counts.OOMKilled)
		}
	}
}

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{
		512 << 20: "512 MiB", 2 << 30: "2 GiB", 1536 << 20: "1536 MiB",
		100_000_000: "95.4 MiB", 4096: "4096 bytes",
	} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}

// With exit_on_worker_oom, set at start or by a HUP, an OOM kill stops
// the master as TERM does: the other workers drain, none is replaced,
// and the master exits with exitOOM. Without it, the worker is replaced
// and the master goes on.
func TestExitOnWorkerOOM(t *testing.T) {
	cg := cgroup.Memory{Root: "/sys/fs/cgroup", Path: "/app"}
	const base = "bind = [\"127.0.0.1:0\"]\nworkers = 2\n"
	for _, tc := range []struct {
		name, conf, hup string // hup: the config a HUP applies before the kill, if any
		stops           bool
	}{
		{name: "off", conf: base},
		{name: "on", conf: base + "exit_on_worker_oom = True\n", stops: true},
		{name: "on by HUP", conf: base, hup: base + "exit_on_worker_oom = True\n", stops: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := newMasterTest(t, tc.conf)
			mt.sys.memcg[mt.pid(1)] = cg
			mt.byID(1).memory = watchMemory(mt.sys, mt.pid(1)) // as spawn would have, in cg
			mt.sys.memLimit[cg] = 64 << 20
			mt.ready(1, 2)
			if tc.hup != "" {
				mt.write(tc.hup)
				mt.m.reload()
			}
			mt.sys.oomKills[cg] = 1
			mt.sys.exit(mt.pid(1), signaled(syscall.SIGKILL))
			mt.step()
			if !tc.stops {
				mt.want("2:ready 3:booting")
				return
			}
			mt.wantLog(fmt.Sprintf("[ERROR] Stopping: the kernel's OOM killer killed worker (pid:%d), and exit_on_worker_oom is set", mt.pid(1)))
			for _, w := range mt.f.workersIn() {
				if w.state != stopping {
					t.Fatalf("worker %d is %s, want stopping", w.id, w.state)
				}
				mt.sys.exit(w.pid, exited(0))
			}
			code, done := mt.m.step()
			if !done || code != exitOOM {
				t.Errorf("step: code %d, done %t; want exit code %d", code, done, exitOOM)
			}
		})
	}
}
