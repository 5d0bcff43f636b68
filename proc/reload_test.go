package proc

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
)

// A HUP applies a good configuration: the changes are logged, a new
// generation boots with it, and each old worker stops only as a new one
// is ready, so the number serving never dips.
func TestReloadApplies(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nworkers = 2\n")
	mt.ready(1, 2)
	mt.write("bind = [\"127.0.0.1:0\"]\nworkers = 3\ntimeout = 60\n")
	mt.m.handleSignal(syscall.SIGHUP)
	mt.wantLog("[INFO] Handling signal: hup")
	mt.wantLog("Reload: timeout changed from 30 to 60")
	mt.wantLog("Reload: workers changed from 2 to 3")
	mt.wantLog("Number of workers: 2 -> 3")
	mt.wantLog("Reloaded the configuration; starting generation 2 of 3 workers")
	mt.step()
	mt.want("1:retiring 2:retiring 3:booting 4:booting 5:booting")
	for id := 3; id <= 5; id++ {
		if boot := mt.sys.workers[id-1].boot; boot.Config.Timeout != 60 || mt.byID(id).gen != 2 {
			t.Fatalf("worker %d: generation %d, timeout %d", id, mt.byID(id).gen, boot.Config.Timeout)
		}
	}
	for i, want := range []string{
		"1:retiring 2:retiring 3:ready 4:booting 5:booting",
		"1:stopping 2:retiring 3:ready 4:ready 5:booting",
		"1:stopping 2:stopping 3:ready 4:ready 5:ready",
	} {
		mt.sys.advance(10 * time.Millisecond)
		mt.ready(3 + i)
		mt.step()
		mt.want(want)
		if mt.serving() < 2 {
			t.Fatalf("%d workers serving", mt.serving())
		}
	}
	mt.wantLog("Reload complete: generation 2, 3 workers ready in 30ms")
}

// A count set by TTIN or TTOU survives a HUP that leaves workers alone,
// and yields to one that changes it.
func TestReloadKeepsTheTTINCount(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nworkers = 2\n")
	mt.m.handleSignal(syscall.SIGTTIN)
	mt.step()
	mt.write("bind = [\"127.0.0.1:0\"]\nworkers = 2\ntimeout = 60\n")
	mt.m.handleSignal(syscall.SIGHUP)
	mt.wantLog("Reloaded the configuration; starting generation 2 of 3 workers")
	mt.write("bind = [\"127.0.0.1:0\"]\nworkers = 1\ntimeout = 60\n")
	mt.m.handleSignal(syscall.SIGHUP)
	mt.wantLog("Number of workers: 3 -> 1")
	mt.wantLog("Reloaded the configuration; starting generation 3 of 1 workers")
}

// A configuration that does not evaluate or cannot bind is refused: the
// error is logged, counted, and the old configuration keeps serving with
// the same workers.
func TestReloadRefusesABadConfiguration(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nworkers = 2\n")
	mt.ready(1, 2)
	for i, tc := range []struct{ conf, err string }{
		{"workers = 3\nworkrs = 4\n", "gocorn.conf.star:2"},
		{"workers = \"two\"\n", "gocorn.conf.star:1: workers"},
		{fmt.Sprintf("bind = [\"127.0.0.1:0\", \"unix:%s\"]\n", filepath.Join(t.TempDir(), "no", "dir.sock")), "no/dir.sock"},
	} {
		mt.write(tc.conf)
		mt.m.handleSignal(syscall.SIGHUP)
		mt.wantLog(fmt.Sprintf("[ERROR] Reload failed (%d so far); still serving the previous configuration: ", i+1), tc.err)
		mt.step()
		mt.want("1:ready 2:ready")
		if mt.f.gen != 1 || mt.m.cfg.Workers != 2 {
			t.Fatalf("after a refused reload: generation %d, workers %d", mt.f.gen, mt.m.cfg.Workers)
		}
	}
}

// When the new generation cannot boot while the old one serves, the old
// one keeps serving, the new one is retried under the crash brake, and
// nothing halts the master.
func TestReloadRollsBack(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nworkers = 2\n")
	mt.ready(1, 2)
	mt.write("bind = [\"127.0.0.1:0\"]\nworkers = 2\ntimeout = 60\n")
	mt.m.handleSignal(syscall.SIGHUP)
	mt.step()
	mt.want("1:retiring 2:retiring 3:booting 4:booting")

	for _, id := range []int{3, 4} {
		mt.sys.exit(mt.pid(id), exited(exitAppLoad))
	}
	mt.step()
	mt.wantLog(fmt.Sprintf("[WARNING] Generation 2 cannot boot yet (worker pid:%d: it died before it was ready); "+
		"workers of generation [1] keep serving", mt.pid(3)))
	mt.wantLog("2 workers crashed in a row; waiting 100ms before the next")
	mt.want("1:retiring 2:retiring")
	mt.step()
	mt.want("1:retiring 2:retiring")
	mt.sys.advance(100 * time.Millisecond)
	mt.step()
	mt.want("1:retiring 2:retiring 5:booting 6:booting")
	if mt.serving() != 2 {
		t.Fatalf("%d workers serving during the failed reload", mt.serving())
	}

	// The new generation comes up at last: the old one retires.
	mt.ready(5, 6)
	mt.step()
	mt.want("1:stopping 2:stopping 5:ready 6:ready")
}

// raw_env changed by a HUP reaches the next generation, and a variable
// it no longer sets is gone, from the workers and from the master.
func TestReloadChangesRawEnv(t *testing.T) {
	for _, k := range []string{"GOCORN_TEST_KEPT", "GOCORN_TEST_GONE"} {
		t.Cleanup(func() { os.Unsetenv(k) })
	}
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\n")
	mt.ready(1)
	hup := func(conf string) []string {
		t.Helper()
		mt.write("bind = [\"127.0.0.1:0\"]\n" + conf)
		mt.m.handleSignal(syscall.SIGHUP)
		mt.step()
		newest := mt.sys.workers[len(mt.sys.workers)-1]
		mt.ready(len(mt.sys.workers))
		return newest.p.env
	}
	if env := hup("raw_env = [\"GOCORN_TEST_KEPT=1\", \"GOCORN_TEST_GONE=2\"]\n"); !slices.Contains(env, "GOCORN_TEST_KEPT=1") ||
		!slices.Contains(env, "GOCORN_TEST_GONE=2") {
		t.Fatalf("raw_env added by a HUP is not in the new worker's environment: %q", env)
	}
	env := hup("raw_env = [\"GOCORN_TEST_KEPT=3\"]\n")
	if !slices.Contains(env, "GOCORN_TEST_KEPT=3") || slices.ContainsFunc(env, func(kv string) bool {
		return strings.HasPrefix(kv, "GOCORN_TEST_GONE=") || kv == "GOCORN_TEST_KEPT=1"
	}) {
		t.Errorf("after the second HUP the new worker's environment is %q", env)
	}
	if v, gone := os.Getenv("GOCORN_TEST_KEPT"), os.Getenv("GOCORN_TEST_GONE"); v != "3" || gone != "" {
		t.Errorf("the master's environment: KEPT=%q GONE=%q", v, gone)
	}
}

// errorlog changed by a HUP moves the master's log too, and the line
// saying so is in both files.
func TestReloadMovesTheErrorLog(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.log"), filepath.Join(dir, "second.log")
	mt := newMasterTest(t, fmt.Sprintf("bind = [\"127.0.0.1:0\"]\nerrorlog = %q\n", first))
	if err := mt.m.logs.errors.Move(first, os.Stderr); err != nil { // as openLogs does at start
		t.Fatal(err)
	}
	mt.m.log = slog.New(errlog.NewHandler(mt.m.logs.errors, mt.m.logs.level, os.Getpid()))
	mt.m.logs.log = mt.m.log
	mt.write(fmt.Sprintf("bind = [\"127.0.0.1:0\"]\nerrorlog = %q\n", second))
	mt.m.handleSignal(syscall.SIGHUP)
	mt.m.log.Info("after the move")
	old, _ := os.ReadFile(first)
	now, _ := os.ReadFile(second)
	move := "The error log moves from " + first + " to " + second
	if !strings.Contains(string(old), move) || strings.Contains(string(old), "after the move") {
		t.Errorf("the old log:\n%s", old)
	}
	if !strings.Contains(string(now), move) || !strings.Contains(string(now), "after the move") {
		t.Errorf("the new log:\n%s", now)
	}
}

// A HUP is RELOADING=1, then READY=1 once the new generation serves, with
// the status line up to date; a refused configuration ends the reload at
// once, with a status that says so.
func TestReloadMessages(t *testing.T) {
	for _, tc := range []struct {
		name   string
		conf   string
		booted []int // workers that report ready after the HUP
		want   []string
	}{
		{
			name: "applied", conf: "bind = [\"127.0.0.1:0\"]\nworkers = 2\n", booted: []int{2, 3},
			want: []string{"RELOADING=1", "STATUS=serving with 2 workers", "READY=1"},
		},
		{
			name: "refused", conf: "workers = \"two\"\n",
			want: []string{"RELOADING=1", "STATUS=reload failed, still serving the previous configuration: config: gocorn.conf.star:1: workers", "READY=1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`)
			n := &fakeNotifier{on: true}
			mt.m.notify = n
			mt.ready(1)
			n.take()
			mt.write(tc.conf)
			mt.m.handleSignal(syscall.SIGHUP)
			mt.step()
			mt.ready(tc.booted...)
			got := n.take()
			want := tc.want
			if len(got) != len(want) {
				t.Fatalf("told systemd %q, want %q", got, want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], want[i]) {
					t.Errorf("message %d is %q, want %q...", i, got[i], want[i])
				}
			}
		})
	}
}
