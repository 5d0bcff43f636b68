package proc

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/starcfg/cgroup"
)

// fakeSystem is the system of unit tests: a clock that moves only when a
// test moves it, processes that are records, and exits that the test
// decides, except that SIGKILL ends a process as the kernel would.
type fakeSystem struct {
	now      time.Time
	lastPID  int
	procs    map[int]*fakeProc // by pid, until reaped
	workers  []*fakeProc       // every worker started, in order
	masters  []process         // every new master started (USR2)
	signals  []sentSignal      // every signal sent, in order
	exits    []fakeExit        // exited and not yet reaped
	rss      map[int]int64     // resident bytes by pid; 0 when unset
	timers   []time.Duration   // every After asked for
	title    string
	startErr error // StartWorker fails with it when set

	// Memory cgroups: where each pid is (none: the machine), their
	// OOM-kill counters and limits, and an error for every counter read.
	memcg    map[int]cgroup.Memory
	oomKills map[cgroup.Memory]uint64
	memLimit map[cgroup.Memory]int64
	oomErr   error
}

type fakeProc struct {
	pid   int
	p     process
	boot  *workerpipe.Boot
	pipe  *fakePipe
	ended bool // it exited (its exit may wait to be reaped)
}

type sentSignal struct {
	pid int
	sig syscall.Signal
}

type fakeExit struct {
	pid int
	ws  syscall.WaitStatus
}

func newFakeSystem() *fakeSystem {
	return &fakeSystem{
		now:     time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		lastPID: 100,
		procs:   make(map[int]*fakeProc),
		rss:     make(map[int]int64),

		memcg:    make(map[int]cgroup.Memory),
		oomKills: make(map[cgroup.Memory]uint64),
		memLimit: make(map[cgroup.Memory]int64),
	}
}

func (s *fakeSystem) Now() time.Time { return s.now }

// After records d; its channel never fires: tests move the clock instead.
func (s *fakeSystem) After(d time.Duration) <-chan time.Time {
	s.timers = append(s.timers, d)
	return make(chan time.Time)
}

func (s *fakeSystem) Executable() (string, error) { return "/usr/bin/gocorn", nil }
func (s *fakeSystem) RSS(pid int) (int64, error)  { return s.rss[pid], nil }
func (s *fakeSystem) SetTitle(title string)       { s.title = title }

func (s *fakeSystem) MemoryCgroup(pid int) cgroup.Memory { return s.memcg[pid] }

func (s *fakeSystem) OOMKills(cg cgroup.Memory) (uint64, error) { return s.oomKills[cg], s.oomErr }

func (s *fakeSystem) MemoryLimit(cg cgroup.Memory) (int64, bool) {
	n, ok := s.memLimit[cg]
	return n, ok
}

func (s *fakeSystem) StartWorker(p process, boot *workerpipe.Boot) (int, workerPipe, error) {
	if s.startErr != nil {
		return 0, nil, s.startErr
	}
	s.lastPID++
	proc := &fakeProc{pid: s.lastPID, p: p, boot: boot, pipe: &fakePipe{}}
	s.procs[proc.pid] = proc
	s.workers = append(s.workers, proc)
	return proc.pid, proc.pipe, nil
}

func (s *fakeSystem) StartMaster(p process) (int, error) {
	s.lastPID++
	s.procs[s.lastPID] = &fakeProc{pid: s.lastPID, p: p}
	s.masters = append(s.masters, p)
	return s.lastPID, nil
}

func (s *fakeSystem) Signal(pid int, sig syscall.Signal) error {
	s.signals = append(s.signals, sentSignal{pid, sig})
	if sig == syscall.SIGKILL {
		s.exit(pid, signaled(syscall.SIGKILL))
	}
	return nil
}

func (s *fakeSystem) Reap() (int, syscall.WaitStatus, bool) {
	if len(s.exits) == 0 {
		return 0, 0, false
	}
	e := s.exits[0]
	s.exits = s.exits[1:]
	delete(s.procs, e.pid)
	return e.pid, e.ws, true
}

// exit makes pid end with ws; the master reaps it next. A process the
// fake started ends once: a second exit (a SIGKILL to a worker that has
// exited) changes nothing.
func (s *fakeSystem) exit(pid int, ws syscall.WaitStatus) {
	if p := s.procs[pid]; p != nil {
		if p.ended {
			return
		}
		p.ended = true
	}
	s.exits = append(s.exits, fakeExit{pid, ws})
}

// advance moves the clock.
func (s *fakeSystem) advance(d time.Duration) { s.now = s.now.Add(d) }

// signalsTo lists the signals pid got, in order.
func (s *fakeSystem) signalsTo(pid int) []syscall.Signal {
	var sigs []syscall.Signal
	for _, sent := range s.signals {
		if sent.pid == pid {
			sigs = append(sigs, sent.sig)
		}
	}
	return sigs
}

// exited and signaled are wait statuses, as Linux encodes them.
func exited(code int) syscall.WaitStatus             { return syscall.WaitStatus(code << 8) }
func signaled(sig syscall.Signal) syscall.WaitStatus { return syscall.WaitStatus(sig) }

// fakePipe records what the master sends a worker.
type fakePipe struct {
	sent   []workerpipe.Message
	err    error // Send fails with it when set
	closed bool
}

func (p *fakePipe) Send(msg workerpipe.Message) error {
	if p.err != nil {
		return p.err
	}
	p.sent = append(p.sent, msg)
	return nil
}

func (p *fakePipe) Close() error {
	p.closed = true
	return nil
}

// kinds lists the kinds of message sent.
func (p *fakePipe) kinds() []workerpipe.Kind {
	var ks []workerpipe.Kind
	for _, m := range p.sent {
		ks = append(ks, m.Kind)
	}
	return ks
}

// logBuffer captures a logger's lines so tests assert what an operator
// reads.
type logBuffer struct {
	bytes.Buffer
}

func newTestLogger(buf *logBuffer, level slog.Leveler) *slog.Logger {
	return errlog.New(buf, level)
}

// has tells whether some line contains every one of parts, in order.
func (b *logBuffer) has(parts ...string) bool {
	for _, line := range strings.Split(b.String(), "\n") {
		rest, ok := line, true
		for _, p := range parts {
			var found bool
			if _, rest, found = strings.Cut(rest, p); !found {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// count is how many lines contain s.
func (b *logBuffer) count(s string) int { return strings.Count(b.String(), s) }

// testbed is a fleet on a fake system, and what tests ask of it.
type testbed struct {
	t   *testing.T
	sys *fakeSystem
	f   *fleet
	log logBuffer
}

func newTestbed(t *testing.T) *testbed {
	tb := &testbed{t: t, sys: newFakeSystem()}
	t.Cleanup(func() {
		if t.Failed() && tb.f != nil {
			t.Logf("fleet: %s\nlog:\n%s", tb.states(), tb.log.String())
		}
	})
	return tb
}

// fleetTest is a fleet with hooks that record their calls, and no master.
type fleetTest struct {
	*testbed
	calls []string // the hooks called, as "pre_fork 1", "child_exit 101", "started 2"...
}

// newFleetTest makes a fleet with policy p that keeps target workers, and
// starts them (they boot; none is ready yet).
func newFleetTest(t *testing.T, p policy, target int) *fleetTest {
	ft := &fleetTest{testbed: newTestbed(t)}
	call := func(format string, args ...any) { ft.calls = append(ft.calls, fmt.Sprintf(format, args...)) }
	hooks := fleetHooks{
		newWorker: func() (process, *workerpipe.Boot, error) {
			return process{exe: "/usr/bin/gocorn"}, &workerpipe.Boot{}, nil
		},
		preFork:         func(id int) { call("pre_fork %d", id) },
		childExit:       func(w *worker) { call("child_exit %d", w.pid) },
		nworkersChanged: func(n, old int, known bool) { call("nworkers_changed %d %d %t", n, old, known) },
		started:         func(n int) { call("started %d", n) },
		reloaded:        func() { call("reloaded") },
		oomKilled:       func(pid int) { call("oom_killed %d", pid) },
	}
	ft.f = newFleet(ft.sys, newTestLogger(&ft.log, slog.LevelDebug), hooks, p)
	ft.f.setTarget(target)
	ft.f.reconcile()
	return ft
}

// called tells whether a hook call was recorded.
func (ft *fleetTest) called(call string) bool { return slices.Contains(ft.calls, call) }

// basePolicy has no limits and sync's one slot.
var basePolicy = policy{}

// states is the fleet at a glance, oldest first: "1:ready 2:booting".
func (tb *testbed) states() string {
	var parts []string
	for _, w := range tb.f.workersIn() {
		parts = append(parts, fmt.Sprintf("%d:%s", w.id, w.state))
	}
	return strings.Join(parts, " ")
}

// want fails the test unless the fleet is in states.
func (tb *testbed) want(states string) {
	tb.t.Helper()
	if got := tb.states(); got != states {
		tb.t.Fatalf("fleet is %q, want %q", got, states)
	}
}

// wantLog fails the test unless a line holds every one of parts, in order.
func (tb *testbed) wantLog(parts ...string) {
	tb.t.Helper()
	if !tb.log.has(parts...) {
		tb.t.Fatalf("no log line with %q in:\n%s", parts, tb.log.String())
	}
}

// byID is the worker with id; the test fails if there is none.
func (tb *testbed) byID(id int) *worker {
	tb.t.Helper()
	for _, w := range tb.f.workers {
		if w.id == id {
			return w
		}
	}
	tb.t.Fatalf("no worker %d in %s", id, tb.states())
	return nil
}

// pipe is what the master sent the worker with id.
func (tb *testbed) pipe(id int) *fakePipe { return tb.sys.workers[id-1].pipe }

// pid is the pid of the worker with id.
func (tb *testbed) pid(id int) int { return tb.sys.workers[id-1].pid }

// say delivers msg from the worker with id.
func (tb *testbed) say(id int, msg workerpipe.Message) {
	tb.f.handle(event{pid: tb.pid(id), msg: msg})
}

// ready makes the workers with ids say Ready.
func (tb *testbed) ready(ids ...int) {
	for _, id := range ids {
		tb.say(id, workerpipe.Message{Kind: workerpipe.KindReady, Version: runningVersion(), Protocol: workerpipe.Protocol})
	}
}

// exit makes the worker with id exit with ws and the fleet handle it.
func (tb *testbed) exit(id int, ws syscall.WaitStatus) *haltError {
	pid := tb.pid(id)
	tb.sys.exit(pid, ws)
	return tb.f.exited(pid, ws)
}

// serving counts the workers that accept connections: booted, and not
// told to stop.
func (tb *testbed) serving() int {
	n := 0
	for _, w := range tb.f.workersIn(ready, retiring) {
		if w.booted() {
			n++
		}
	}
	return n
}

// fakeNotifier records what the master tells systemd, one string per
// datagram with its lines joined by spaces (RELOADING=1 without its
// timestamp). Like sdnotify.Socket without $NOTIFY_SOCKET, it sends
// nothing unless on.
type fakeNotifier struct {
	on   bool
	sent []string
	err  error // HandOver fails with it when set
}

func (n *fakeNotifier) record(state string) error {
	if n.on {
		n.sent = append(n.sent, state)
	}
	return nil
}

func (n *fakeNotifier) Enabled() bool            { return n.on }
func (n *fakeNotifier) Ready() error             { return n.record("READY=1") }
func (n *fakeNotifier) Reloading() error         { return n.record("RELOADING=1") }
func (n *fakeNotifier) Stopping() error          { return n.record("STOPPING=1") }
func (n *fakeNotifier) Status(text string) error { return n.record("STATUS=" + text) }
func (n *fakeNotifier) HandOver(pid int, status string) error {
	if n.err != nil {
		return n.err
	}
	return n.record(fmt.Sprintf("MAINPID=%d READY=1 STATUS=%s", pid, status))
}

// take returns what was sent since the last call.
func (n *fakeNotifier) take() []string {
	sent := n.sent
	n.sent = nil
	return sent
}
