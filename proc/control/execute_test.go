package control

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/golden"
)

// fakeMaster is a master of three workers that records what commands do
// to it.
type fakeMaster struct {
	st      Status
	targets []int
	stopped []int
	signals []syscall.Signal
	sigErr  error
}

func newFakeMaster() *fakeMaster {
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	cfg := &starcfg.Config{
		Bind: []string{"127.0.0.1:8000", "unix:/run/app.sock"}, Workers: 3, WorkerClass: "gthread", Threads: 4,
		Timeout: 30, GracefulTimeout: 30, Keepalive: 2, MaxRequests: 1000, MaxRequestsJitter: 50,
		WorkerConnections: 1000, Pidfile: "/run/app.pid", App: "hello", RequestTimeout: 5,
		Config: "gocorn.conf.star", ControlConfig: starcfg.ControlConfig{ControlSocket: "/run/user/1000/gocorn.ctl", ControlSocketMode: 0o600},
	}
	return &fakeMaster{st: Status{
		PID: 4242, Started: start, Now: start.Add(3723450 * time.Millisecond),
		Target: 3, Generation: 2, Reloads: 2, Failed: 1, Config: cfg, ProcName: "hello",
		Workers: []Worker{
			{PID: 4301, ID: 5, Generation: 2, State: "ready", Booted: true, Age: 95 * time.Second,
				SinceBeat: 340 * time.Millisecond, Requests: 1200, InFlight: 2, RSS: 31 << 20,
				Oldest: &Running{Method: "POST", Path: "/upload", Age: 2345 * time.Millisecond}},
			{PID: 4299, ID: 4, Generation: 2, State: "ready", Booted: true, Age: 96 * time.Second,
				SinceBeat: 1005 * time.Millisecond, Requests: 1500, RSS: 30 << 20},
			{PID: 4320, ID: 6, Generation: 2, State: "booting", Age: 120 * time.Millisecond,
				SinceBeat: 120 * time.Millisecond, RSS: -1},
			{PID: 4100, ID: 2, Generation: 1, State: "aborting", Booted: true, Age: time.Hour,
				SinceBeat: 31 * time.Second, Requests: 88000, InFlight: 1, RSS: 45 << 20,
				Oldest: &Running{Method: "GET", Path: "/slow", Age: 31 * time.Second}},
		},
		Listeners: []Listener{{"http://127.0.0.1:8000", 5, "tcp"}, {"unix:/run/app.sock", 6, "unix"}},
		Counts:    Counts{Spawned: 6, Stopped: 2, Killed: 0, Timeouts: 1, Recycled: 1, DeadlinesHit: 3},
	}}
}

func (f *fakeMaster) Status() Status  { return f.st }
func (f *fakeMaster) SetTarget(n int) { f.targets = append(f.targets, n); f.st.Target = n }
func (f *fakeMaster) Signal(sig syscall.Signal) error {
	f.signals = append(f.signals, sig)
	return f.sigErr
}

func (f *fakeMaster) StopWorker(pid int) bool {
	f.stopped = append(f.stopped, pid)
	return slices.ContainsFunc(f.st.Workers, func(w Worker) bool { return w.PID == pid })
}

// run is one request's response, as the server sends it, indented.
func run(t *testing.T, m Master, id int, command string) string {
	t.Helper()
	cmd, err := Parse(command, nil)
	var data any
	if err == nil {
		data, err = Execute(cmd, m)
	}
	raw, err := marshal(respond(json.RawMessage(fmt.Sprint(id)), data, err))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	json.Indent(&out, raw, "", "  ")
	return out.String()
}

// Every command's reply, against a fake master: gunicorn's keys first,
// gocorn's after them.
func TestRepliesGolden(t *testing.T) {
	commands := []string{
		"show workers", "show stats", "show config", "show listeners", "show all", "show dirty", "help",
		"worker add 2", "worker remove 10", "worker kill 4299", "worker kill 1", "dirty add",
		"reload", "reopen", "shutdown", "shutdown quick", "show bogus", "",
	}
	var out strings.Builder
	for i, c := range commands {
		fmt.Fprintf(&out, "> %s\n%s\n\n", c, run(t, newFakeMaster(), i+1, c))
	}
	golden.Check(t, "testdata/replies.golden", out.String())
}

// What each action does to the master.
func TestActions(t *testing.T) {
	tests := []struct {
		command string
		targets []int
		stopped []int
		signals []syscall.Signal
	}{
		{"worker add", []int{4}, nil, nil},
		{"worker add 3", []int{6}, nil, nil},
		{"worker remove", []int{2}, nil, nil},
		{"worker remove 5", []int{1}, nil, nil},
		{"worker kill 4301", nil, []int{4301}, nil},
		{"reload", nil, nil, []syscall.Signal{syscall.SIGHUP}},
		{"reopen", nil, nil, []syscall.Signal{syscall.SIGUSR1}},
		{"shutdown", nil, nil, []syscall.Signal{syscall.SIGTERM}},
		{"shutdown quick", nil, nil, []syscall.Signal{syscall.SIGINT}},
		{"show workers", nil, nil, nil},
		{"dirty remove 2", nil, nil, nil},
	}
	for _, tt := range tests {
		m := newFakeMaster()
		run(t, m, 1, tt.command)
		if !slices.Equal(m.targets, tt.targets) || !slices.Equal(m.stopped, tt.stopped) || !slices.Equal(m.signals, tt.signals) {
			t.Errorf("%s: targets %v stopped %v signals %v; want %v %v %v",
				tt.command, m.targets, m.stopped, m.signals, tt.targets, tt.stopped, tt.signals)
		}
	}
}

// Once a shutdown is under way only show and shutdown act; a master that
// cannot take a signal fails the command.
func TestActionsWhileStopping(t *testing.T) {
	m := newFakeMaster()
	m.st.Stopping = true
	for _, c := range []string{"worker add", "worker kill 4301", "reload", "reopen"} {
		if got := run(t, m, 1, c); !strings.Contains(got, `"error": "Command failed: the master is shutting down"`) {
			t.Errorf("%s while stopping: %s", c, got)
		}
	}
	if len(m.targets)+len(m.stopped)+len(m.signals) != 0 {
		t.Errorf("commands acted while stopping: %v %v %v", m.targets, m.stopped, m.signals)
	}
	if got := run(t, m, 2, "shutdown quick"); !strings.Contains(got, `"status": "ok"`) || !slices.Equal(m.signals, []syscall.Signal{syscall.SIGINT}) {
		t.Errorf("shutdown quick while stopping: %s, signals %v", got, m.signals)
	}
	m.sigErr = fmt.Errorf("the signal queue is full")
	if got := run(t, m, 3, "shutdown"); !strings.Contains(got, `"error": "Command failed: the signal queue is full"`) {
		t.Errorf("a refused signal: %s", got)
	}
}
