package proc

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/control"
	"github.com/gocorn/gocorn/proc/proctest"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
)

// execute runs a control command as the master's loop does.
func (mt *masterTest) execute(command string) any {
	mt.t.Helper()
	cmd, err := control.Parse(command, nil)
	if err != nil {
		mt.t.Fatal(err)
	}
	data, err := control.Execute(cmd, controlView{mt.m})
	if err != nil {
		mt.t.Fatalf("%s: %v", command, err)
	}
	return data
}

// The master's view carries what the heartbeats and the system say, and
// the commands move the fleet as the signals do.
func TestControlCommandsMoveTheFleet(t *testing.T) {
	mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`+"\nworkers = 2")
	mt.m.control = newControlState(mt.sys.Now())
	mt.ready(1, 2)
	mt.sys.rss[mt.pid(1)] = 30 << 20
	mt.say(1, workerpipe.Message{Kind: workerpipe.KindBeat, Beat: &workerpipe.Beat{
		InFlight: 1, Requests: 7, Longest: []server.Request{{Method: "GET", Path: "/slow", Age: time.Second}}}})
	mt.sys.advance(500 * time.Millisecond)

	ws := mt.execute("show workers").(control.WorkersReply)
	w := ws.Workers[0]
	if ws.Count != 2 || w.PID != mt.pid(1) || w.State != "ready" || !w.Booted || w.Requests != 7 || w.InFlight != 1 ||
		*w.RSS != 30<<20 || w.OldestRequest == nil || w.OldestRequest.Age != 1.5 || *w.LastHeartbeat != 0.5 {
		t.Errorf("show workers: %+v %+v", w, w.OldestRequest)
	}
	if ls := mt.execute("show listeners").(control.ListenersReply); ls.Count != 1 || ls.Listeners[0].Type != "tcp" {
		t.Errorf("show listeners: %+v", ls)
	}

	if k := mt.execute(fmt.Sprintf("worker kill %d", mt.pid(1))).(control.KillReply); !k.Success {
		t.Errorf("worker kill: %+v", k)
	}
	mt.step()
	mt.want("1:stopping 2:ready 3:booting")
	if k := mt.execute("worker kill 1").(control.KillReply); k.Success || k.Error != "Worker 1 not found" {
		t.Errorf("worker kill of a stranger: %+v", k)
	}

	mt.execute("worker add 2")
	mt.step()
	mt.want("1:stopping 2:ready 3:booting 4:booting 5:booting")
	mt.execute("worker remove 3")
	mt.step()
	mt.want("1:stopping 2:stopping 3:stopping 4:stopping 5:booting")
	mt.wantLog("Number of workers: 4 -> 1")

	mt.execute("reload")
	if sig := <-mt.m.signals; sig != syscall.SIGHUP {
		t.Errorf("reload queued %v, want SIGHUP", sig)
	}
	st := mt.execute("show stats").(control.StatsReply)
	if st.WorkersSpawned != 5 || st.WorkersTarget != 1 || st.Counts.Stopped != 4 || *st.Uptime != 0.5 || st.PID != os.Getpid() {
		t.Errorf("show stats: %+v", st)
	}
}

// A signal the loop cannot queue now fails the command rather than
// blocking the loop.
func TestControlSignalQueueFull(t *testing.T) {
	mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`)
	mt.m.signals <- syscall.SIGUSR1 // the test's queue holds one
	cmd, _ := control.Parse("reopen", nil)
	if _, err := control.Execute(cmd, controlView{mt.m}); err == nil {
		t.Error("reopen with a full signal queue succeeded")
	}
}

// The control socket never stops the master: a path it cannot create,
// one another master serves, or no default path at all is one warning.
func TestControlSocketWarnings(t *testing.T) {
	dir := proctest.RuntimeDir(t)
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	live := filepath.Join(dir, "live.ctl")
	ln, err := net.Listen("unix", live)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tests := []struct {
		name, conf string
		want       []string
	}{
		{"cannot create", fmt.Sprintf("control_socket = %q", filepath.Join(file, "sub", "gocorn.ctl")),
			[]string{"WARNING", "No control socket: cannot create", "not a directory; set control_socket to a writable path"}},
		{"in use", fmt.Sprintf("control_socket = %q", live),
			[]string{"WARNING", fmt.Sprintf("No control socket: %s is served by another process (pid:%d)", live, os.Getpid())}},
		{"disabled", "control_socket_disable = True", []string{"DEBUG", "Control socket disabled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`+"\n"+tt.conf)
			mt.m.control = newControlState(mt.sys.Now())
			mt.m.startControl()
			if mt.m.control.server != nil {
				t.Fatal("a control socket was started")
			}
			mt.wantLog(tt.want...)
		})
	}
}

// A HUP that changes control_socket moves the socket; one that changes
// the mode changes the file.
func TestControlSocketFollowsHUP(t *testing.T) {
	dir := proctest.RuntimeDir(t)
	first, second := filepath.Join(dir, "a.ctl"), filepath.Join(dir, "b.ctl")
	conf := `bind = ["127.0.0.1:0"]` + "\ncontrol_socket = %q\ncontrol_socket_mode = %s\n"
	mt := newMasterTest(t, fmt.Sprintf(conf, first, "0o600"))
	mt.m.control = newControlState(mt.sys.Now())
	mt.m.startControl()
	defer mt.m.stopControl()
	mt.wantLog("Control socket listening at " + first)

	mt.write(fmt.Sprintf(conf, first, "0o660"))
	mt.m.reload()
	if fi, err := os.Stat(first); err != nil || fi.Mode().Perm() != 0o660 {
		t.Errorf("after a HUP to 0o660: %v %v", fi, err)
	}
	mt.write(fmt.Sprintf(conf, second, "0o660"))
	mt.m.reload()
	if _, err := os.Stat(first); !os.IsNotExist(err) {
		t.Errorf("the old socket is still there: %v", err)
	}
	if _, err := os.Stat(second); err != nil {
		t.Errorf("no socket at the new path: %v", err)
	}
	mt.write(fmt.Sprintf(conf, second, "0o660") + "control_socket_disable = True\n")
	mt.m.reload()
	if _, err := os.Stat(second); !os.IsNotExist(err) || mt.m.control.server != nil {
		t.Errorf("disabled by a HUP, the socket is still there: %v", err)
	}
}

// A master started by USR2 leaves the path to the old master until it is
// promoted.
func TestControlSocketWaitsForPromotion(t *testing.T) {
	path := filepath.Join(proctest.RuntimeDir(t), "gocorn.ctl")
	mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`+fmt.Sprintf("\ncontrol_socket = %q", path))
	mt.m.control = newControlState(mt.sys.Now())
	mt.m.upgrade.parent = os.Getppid()
	mt.m.startControl()
	if mt.m.control.server != nil {
		t.Fatal("a new master took the socket before its promotion")
	}
	mt.wantLog("stays the old master's")
	mt.m.upgrade.parent = -1 // not our parent: the old master is gone
	mt.m.checkPromotion()
	defer mt.m.stopControl()
	if mt.m.control.server == nil {
		t.Fatal("no control socket after the promotion")
	}
}
