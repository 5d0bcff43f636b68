package proc

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/instrument/logfile"
	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
)

// masterTest is a master on a fake system: its configuration is a real
// file, resolved as gocorn does, and its sockets are real ones on
// 127.0.0.1, but its workers are records.
type masterTest struct {
	*testbed
	m    *master
	conf string // the config file
}

// newMasterTest starts a master with conf as its config file: it binds,
// and its first workers boot (none is ready yet).
func newMasterTest(t *testing.T, conf string) *masterTest {
	mt := &masterTest{testbed: newTestbed(t), conf: filepath.Join(t.TempDir(), "gocorn.conf.star")}
	mt.write(conf)
	inv := starcfg.Invocation{
		Args:    []string{"--log-level", "debug", "hello"},
		Dir:     filepath.Dir(mt.conf),
		Stdout:  io.Discard,
		Stderr:  io.Discard,
		Version: runningVersion(),
	}
	res, err := starcfg.Resolve(inv)
	if err != nil {
		t.Fatal(err)
	}
	level := new(slog.LevelVar)
	level.Set(slog.LevelDebug)
	errors, err := logfile.Open(res.Config.Errorlog, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { errors.Close() })
	m := &master{
		sys:     mt.sys,
		notify:  &fakeNotifier{},
		inv:     inv,
		appSet:  server.Apps{"hello": server.Handler(http.NotFoundHandler())},
		cfg:     res.Config,
		sources: res.Sources,
		env:     &environment{},
		log:     newTestLogger(&mt.log, level),
		signals: make(chan os.Signal, 1),
	}
	m.logs = &logs{level: level, errors: errors, log: m.log}
	m.hooks = hookrun.New(res.Hooks, m.log, hookrun.RequestView{})
	secrets, err := m.prepareConfig(m.cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.setTLS(secrets)
	if m.sockets, err = m.listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeSockets(m.sockets, true) })
	m.fleet = m.newFleet()
	m.fleet.setTarget(m.cfg.Workers)
	m.fleet.reconcile()
	mt.m, mt.f = m, m.fleet
	return mt
}

// write replaces the config file.
func (mt *masterTest) write(conf string) {
	if err := os.WriteFile(mt.conf, []byte(conf), 0o644); err != nil {
		mt.t.Fatal(err)
	}
}

// step runs what follows every pass of the master loop and fails the
// test if the master stops.
func (mt *masterTest) step() {
	mt.t.Helper()
	if code, done := mt.m.step(); done {
		mt.t.Fatalf("the master stopped with code %d", code)
	}
}

// Children that are not workers are reaped silently, as PID 1 in a
// container must; their exit codes mean nothing to the master.
func TestStrangerIsReapedSilently(t *testing.T) {
	mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`)
	mt.sys.exit(4242, exited(exitBoot))
	mt.step()
	mt.wantLog("[DEBUG] Reaped child (pid:4242) that is not a worker")
	mt.want("1:booting")
}

// USR2 starts one new master from the binary on disk, with the sockets
// and the variables that tell it what it inherits; its exit is logged
// and this master keeps serving.
func TestNewMasterExit(t *testing.T) {
	mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`)
	mt.ready(1)
	mt.m.handleSignal(syscall.SIGUSR2)
	if len(mt.sys.masters) != 1 {
		t.Fatalf("%d new masters started", len(mt.sys.masters))
	}
	child, p := mt.m.upgrade.child, mt.sys.masters[0]
	mt.wantLog(fmt.Sprintf("Started a new master (pid:%d) from /usr/bin/gocorn", child))
	n := len(mt.m.sockets)
	if !slices.Equal(p.files[:n], socketFDs(mt.m.sockets)) || len(p.files) != n+1 ||
		!slices.Contains(p.env, fmt.Sprintf("%s=%d", envUpgradeReport, 3+n)) ||
		!slices.ContainsFunc(p.env, func(kv string) bool { return strings.HasPrefix(kv, envUpgradeSockets+"=[") }) ||
		!slices.Contains(p.env, fmt.Sprintf("%s=%d", envUpgradeParent, os.Getpid())) {
		t.Errorf("the new master gets files %v and env %v", p.files, p.env)
	}
	mt.m.handleSignal(syscall.SIGUSR2)
	mt.wantLog(fmt.Sprintf("USR2 signal ignored. Child exists (pid:%d).", child))

	mt.sys.exit(child, exited(0))
	mt.step()
	mt.wantLog(fmt.Sprintf("[WARNING] The new master (pid:%d) exited (exit code 0); this master keeps serving", child))
	if mt.m.upgrade.child != 0 {
		t.Error("the master still counts on the new master")
	}
	mt.want("1:ready")
}

// A worker that cannot boot before any worker was ready halts the
// master: the others are killed, and the exit code and reason are the
// worker's.
func TestBootFailureHaltsTheMaster(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nworkers = 2\n")
	mt.sys.exit(mt.pid(1), exited(exitAppLoad))
	code, done := mt.m.step()
	if !done || code != exitAppLoad || mt.m.stop.haltReason != "App failed to load." {
		t.Fatalf("step: code %d, done %t, reason %q", code, done, mt.m.stop.haltReason)
	}
	if len(mt.f.workers) != 0 || !slices.Equal(mt.sys.signalsTo(mt.pid(2)), []syscall.Signal{syscall.SIGKILL}) {
		t.Errorf("worker 2: %s, signals %v; want killed and reaped", mt.states(), mt.sys.signalsTo(mt.pid(2)))
	}
	mt.wantLog(fmt.Sprintf("Worker (pid:%d) was sent SIGKILL! (killed by the master: it is halting)", mt.pid(2)))
	if mt.log.has("Perhaps out of memory") {
		t.Error("the master's own kill was taken for the OOM killer's")
	}
}

// The fleet runs the config's hooks around workers through the master:
// nworkers_changed, pre_fork (no pid yet) and child_exit (booted), with
// the server object's count and set_workers.
func TestFleetRunsTheConfigHooks(t *testing.T) {
	mt := newMasterTest(t, `bind = ["127.0.0.1:0"]
def nworkers_changed(server, new, old):
    server.log.info("hook nworkers_changed %s -> %s" % (old, new))
def pre_fork(server, worker):
    server.log.info("hook pre_fork id=%d pid=%d of %d" % (worker.id, worker.pid, server.num_workers))
def child_exit(server, worker):
    server.log.info("hook child_exit id=%d pid=%d booted=%s" % (worker.id, worker.pid, worker.booted != None))
    server.set_workers(2)
`)
	mt.ready(1)
	mt.exit(1, exited(0))
	mt.step()
	for _, line := range []string{
		"hook nworkers_changed None -> 1",
		"hook pre_fork id=1 pid=0 of 1",
		"hook child_exit id=1 pid=101 booted=True",
		"hook nworkers_changed 1 -> 2",
		"hook pre_fork id=3 pid=0 of 2",
	} {
		mt.wantLog(line)
	}
	mt.want("2:booting 3:booting")
}
