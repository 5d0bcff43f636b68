package proc

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
)

// What the old master tells systemd across a USR2 upgrade, and what it
// does, for each way the new master's start can end.
func TestUpgradeMessages(t *testing.T) {
	me := os.Getpid()
	for _, tc := range []struct {
		name    string
		systemd bool            // $NOTIFY_SOCKET is set
		report  newMasterReport // pid 0 is the new master's; {new} in want and log is its pid
		failing error           // the handover datagram cannot be sent
		before  func(m *master) // what happens before the report is read
		want    []string        // told to systemd once the report is in
		stops   bool            // this master stops
		log     string
	}{
		{
			name: "ready under systemd", systemd: true, report: newMasterReport{ready: true},
			want:  []string{"MAINPID={new} READY=1 STATUS=upgraded: the new master (pid:{new}) serves"},
			stops: true, log: "Handed the service over to the new master (pid:{new})",
		},
		{
			name: "ready outside systemd", report: newMasterReport{ready: true},
			log: fmt.Sprintf("The new master (pid:{new}) is ready; TERM this master (pid:%d) to finish the upgrade", me),
		},
		{
			name: "failed with a reason", systemd: true, report: newMasterReport{reason: "bind: address in use"},
			want: []string{fmt.Sprintf("STATUS=upgrade failed: bind: address in use; still serving (pid:%d)", me), "READY=1"},
			log:  "[ERROR] Upgrade failed: the new master (pid:{new}) did not start: bind: address in use; this master keeps serving",
		},
		{
			name: "ended without a word", systemd: true, report: newMasterReport{},
			want: []string{fmt.Sprintf("STATUS=upgrade failed: it ended before its workers were ready; still serving (pid:%d)", me), "READY=1"},
			log:  "did not start: it ended before its workers were ready",
		},
		{
			name: "systemd unreachable", systemd: true, report: newMasterReport{ready: true}, failing: errors.New("no socket"),
			log: "[ERROR] Upgrade: the new master (pid:{new}) is ready, but systemd was not told: no socket; this master stays",
		},
		{
			name: "stale report", systemd: true, report: newMasterReport{pid: 4242, ready: true},
		},
		{
			name: "during shutdown_delay", systemd: true, report: newMasterReport{ready: true},
			before: func(m *master) { m.stop.delayed = make(chan time.Time) },
		},
		{
			name: "ready, then reaped first", systemd: true, report: newMasterReport{ready: true},
			before: func(m *master) { m.upgrade.child = 0 },
			want:   []string{fmt.Sprintf("STATUS=upgrade failed: it exited as soon as it was ready; still serving (pid:%d)", me), "READY=1"},
			log:    "did not start: it exited as soon as it was ready",
		},
		{
			name: "failed, then reaped first", systemd: true, report: newMasterReport{reason: "no app"},
			before: func(m *master) { m.upgrade.child = 0 },
			want:   []string{fmt.Sprintf("STATUS=upgrade failed: no app; still serving (pid:%d)", me), "READY=1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`)
			n := &fakeNotifier{on: tc.systemd, err: tc.failing}
			mt.m.notify = n
			mt.ready(1)
			if got := n.take(); !slices.Equal(got, notifyList(tc.systemd, "STATUS=serving with 1 workers", "READY=1")) {
				t.Errorf("at start, systemd was told %q", got)
			}
			mt.m.handleSignal(syscall.SIGUSR2)
			child := mt.m.upgrade.child
			if got, want := n.take(), notifyList(tc.systemd, "RELOADING=1",
				fmt.Sprintf("STATUS=upgrading: a new master (pid:%d) is starting", child)); !slices.Equal(got, want) {
				t.Errorf("on USR2, systemd was told %q, want %q", got, want)
			}
			r := tc.report
			if r.pid == 0 {
				r.pid = child
			}
			if tc.before != nil {
				tc.before(mt.m)
			}
			mt.m.newMasterReported(r)
			mt.m.newMasterReported(r) // read once
			var want []string
			for _, w := range tc.want {
				want = append(want, withPid(w, child))
			}
			if got := n.take(); !slices.Equal(got, want) {
				t.Errorf("told systemd %q, want %q", got, want)
			}
			if stopped := mt.m.stop.mode == graceful; stopped != tc.stops {
				t.Errorf("stopping: %t, want %t", stopped, tc.stops)
			}
			if tc.log != "" {
				mt.wantLog(withPid(tc.log, child))
			}
			if !tc.stops {
				return
			}
			// The workers drain and leave the queue to the new master;
			// STOPPING=1 and anything after go nowhere.
			if got := mt.pipe(1).sent; len(got) != 1 || got[0].Kind != workerpipe.KindStop || got[0].EmptyQueue {
				t.Errorf("the worker was told %+v, want a drain that leaves the queue", got)
			}
			mt.m.handleSignal(syscall.SIGTERM)
			mt.m.notify.Ready()
			if got := n.take(); len(got) > 0 {
				t.Errorf("after the handover the old master told systemd %q", got)
			}
		})
	}
}

// withPid puts pid in place of {new} in s.
func withPid(s string, pid int) string { return strings.ReplaceAll(s, "{new}", fmt.Sprint(pid)) }

// notifyList is want when systemd listens, else nothing.
func notifyList(systemd bool, want ...string) []string {
	if !systemd {
		return nil
	}
	return want
}

// A master started by USR2 lets the old master speak for it until it is
// promoted: no READY=1 when its workers are ready (the old master's
// handover says it), no STOPPING=1 on TERM (systemd asked for the stop
// itself, or this master is not the main process); once promoted, it
// sets the status and is the one that speaks.
func TestNewMasterSpeaksOnceHandedOver(t *testing.T) {
	for _, tc := range []struct {
		name     string
		promoted bool
		want     []string
	}{
		{name: "before the promotion", want: nil},
		{name: "promoted", promoted: true, want: []string{"STATUS=serving with 1 workers", "STOPPING=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`)
			n := &fakeNotifier{on: true}
			mt.m.notify = n
			mt.m.upgrade.parent = os.Getppid()
			mt.m.control = newControlState(mt.sys.Now())
			mt.ready(1)
			if tc.promoted {
				mt.m.upgrade.parent = -1 // not our parent: the old master is gone
				mt.m.checkPromotion()
				defer mt.m.stopControl()
			}
			mt.m.handleSignal(syscall.SIGTERM)
			if got := n.take(); !slices.Equal(got, tc.want) {
				t.Errorf("told systemd %q, want %q", got, tc.want)
			}
		})
	}
}
