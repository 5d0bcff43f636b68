package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// ctlSite is a master's control socket as a test reaches it: the
// runtime directory it finds its default path in, and the environment
// gocorn ctl needs to find it too.
type ctlSite struct {
	t    *testing.T
	dir  string
	env  []string
	path string
}

func newCtlSite(t *testing.T) *ctlSite {
	rt := proctest.RuntimeDir(t)
	return &ctlSite{t: t, dir: t.TempDir(), env: []string{"XDG_RUNTIME_DIR=" + rt}, path: filepath.Join(rt, "gocorn.ctl")}
}

// start runs a master whose control socket is at the default path.
func (s *ctlSite) start(args ...string) *proctest.Instance {
	s.t.Helper()
	in := proctest.Start(s.t, proctest.Setup{Bin: gocornBin, Dir: s.dir, Env: s.env}, args...)
	in.WaitLog("Control socket listening at " + s.path)
	return in
}

// ctl runs gocorn ctl with args to completion.
func (s *ctlSite) ctl(args ...string) (code int, stdout, stderr string) {
	s.t.Helper()
	return proctest.Run(s.t, proctest.Setup{Bin: gocornBin, Dir: s.dir, Env: s.env}, append([]string{"ctl"}, args...)...)
}

// ok runs gocorn ctl and fails the test unless it exits 0; it returns
// stdout.
func (s *ctlSite) ok(args ...string) string {
	s.t.Helper()
	code, out, errOut := s.ctl(args...)
	if code != 0 {
		s.t.Fatalf("gocorn ctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// rawClient speaks the control protocol byte by byte, as any tool
// written against gunicorn's wire format would, without gocorn's code.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	id   int
}

func dialRaw(t *testing.T, path string) *rawClient {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn}
}

// call sends command with args and returns the whole reply.
func (c *rawClient) call(command string, args ...any) map[string]any {
	c.t.Helper()
	c.id++
	body, _ := json.Marshal(map[string]any{"id": c.id, "command": command, "args": append([]any{}, args...)})
	c.conn.SetDeadline(time.Now().Add(proctest.WaitFor))
	if _, err := c.conn.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)); err != nil {
		c.t.Fatal(err)
	}
	var head [4]byte
	if _, err := io.ReadFull(c.conn, head[:]); err != nil {
		c.t.Fatalf("%s: reading the reply: %v", command, err)
	}
	payload := make([]byte, binary.BigEndian.Uint32(head[:]))
	if _, err := io.ReadFull(c.conn, payload); err != nil {
		c.t.Fatal(err)
	}
	var reply map[string]any
	if err := json.Unmarshal(payload, &reply); err != nil {
		c.t.Fatal(err)
	}
	if reply["id"] != float64(c.id) {
		c.t.Errorf("%s: reply id %v, want %d", command, reply["id"], c.id)
	}
	return reply
}

// data is an ok reply's data; the test fails on an error reply.
func (c *rawClient) data(command string, args ...any) map[string]any {
	c.t.Helper()
	r := c.call(command, args...)
	if r["status"] != "ok" {
		c.t.Fatalf("%s: %v", command, r)
	}
	return r["data"].(map[string]any)
}

// workers are show workers' entries.
func (c *rawClient) workers() []map[string]any {
	var ws []map[string]any
	for _, w := range c.data("show workers")["workers"].([]any) {
		ws = append(ws, w.(map[string]any))
	}
	return ws
}

func pidsOf(ws []map[string]any) []int {
	var pids []int
	for _, w := range ws {
		pids = append(pids, int(w["pid"].(float64)))
	}
	slices.Sort(pids)
	return pids
}

// Every command, through gocorn ctl and through a raw framed client,
// against a running master.
func TestControlSocketEveryCommand(t *testing.T) {
	s := newCtlSite(t)
	access := filepath.Join(s.dir, "access.log")
	in := s.start("-b", "127.0.0.1:0", "-w", "2", "--access-logfile", access, "hello")
	raw := dialRaw(t, s.path)
	if fi, err := os.Stat(s.path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket file: %v %v", fi, err)
	}

	// show: the workers the system sees, booted once ready.
	var ws []map[string]any
	if !proctest.Poll(func() bool {
		ws = raw.workers()
		return len(ws) == 2 && ws[0]["booted"] == true && ws[1]["booted"] == true
	}) {
		t.Fatalf("show workers never had 2 booted workers: %v", ws)
	}
	if got := pidsOf(ws); !slices.Equal(got, in.Workers()) {
		t.Errorf("show workers pids %v, the master's children %v", got, in.Workers())
	}
	out := s.ok("show", "workers")
	for _, pid := range in.Workers() {
		if !strings.Contains(out, strconv.Itoa(pid)) {
			t.Errorf("gocorn ctl show workers lacks worker %d:\n%s", pid, out)
		}
	}
	if !strings.Contains(out, "Total: 2 workers") || !strings.Contains(out, "ready") {
		t.Errorf("show workers:\n%s", out)
	}
	var stats map[string]any
	json.Unmarshal([]byte(s.ok("--json", "show", "stats")), &stats)
	if stats["pid"] != float64(in.Pid()) || stats["workers_target"] != 2.0 || stats["workers_spawned"] != 2.0 {
		t.Errorf("show stats --json: %v", stats)
	}
	if out := s.ok("show", "config"); !strings.Contains(out, "control_socket: "+s.path) || !strings.Contains(out, "workers: 2") {
		t.Errorf("show config:\n%s", out)
	}
	l := raw.data("show", "listeners")["listeners"].([]any)[0].(map[string]any)
	if l["address"] != in.URL || l["type"] != "tcp" {
		t.Errorf("show listeners: %v, want %s over tcp", l, in.URL)
	}
	if out := s.ok("-c", "show listeners"); !strings.Contains(out, in.URL) {
		t.Errorf("gocorn ctl -c 'show listeners':\n%s", out)
	}
	if all := raw.data("show all"); all["arbiter"].(map[string]any)["pid"] != float64(in.Pid()) || all["web_worker_count"] != 2.0 {
		t.Errorf("show all: %v", all)
	}
	if out := s.ok("show", "dirty"); strings.TrimSpace(out) != "Dirty arbiter not running" {
		t.Errorf("show dirty: %q", out)
	}
	if out := s.ok("help"); !strings.Contains(out, "worker kill <PID>") {
		t.Errorf("help:\n%s", out)
	}

	// worker add and remove move the count.
	if out := s.ok("worker", "add"); !strings.Contains(out, `"total": 3`) {
		t.Errorf("worker add: %s", out)
	}
	in.WaitWorkers(3)
	if r := raw.data("worker remove", 1); r["total"] != 2.0 {
		t.Errorf("worker remove: %v", r)
	}
	in.WaitWorkers(2)

	// worker kill replaces one.
	victim := in.Workers()[0]
	if out := s.ok("worker", "kill", strconv.Itoa(victim)); !strings.Contains(out, `"killed": `+strconv.Itoa(victim)) {
		t.Errorf("worker kill: %s", out)
	}
	if !proctest.Poll(func() bool { w := in.Workers(); return len(w) == 2 && !slices.Contains(w, victim) }) {
		t.Fatalf("worker %d was not replaced: %v", victim, in.Workers())
	}
	in.WaitWorkers(2)
	in.WaitLog(fmt.Sprintf(`Stopping worker \(pid:%d\), as the control socket asked`, victim))
	if out := s.ok("worker", "kill", "1"); !strings.Contains(out, `"error": "Worker 1 not found"`) {
		t.Errorf("worker kill of a stranger: %s", out)
	}

	// reload starts generation 2.
	before := in.Workers()
	if r := raw.data("reload"); r["status"] != "reloading" {
		t.Errorf("reload: %v", r)
	}
	in.WaitLog(`Reload complete: generation 2\b`)
	if !proctest.Poll(func() bool {
		ws = raw.workers()
		return len(ws) == 2 && ws[0]["generation"] == 2.0 && ws[1]["generation"] == 2.0 &&
			!slices.ContainsFunc(pidsOf(ws), func(p int) bool { return slices.Contains(before, p) })
	}) {
		t.Fatalf("after reload: %v (before: %v)", ws, before)
	}

	// reopen reopens the logs: a rotated access log is written anew.
	in.WaitWorkers(2)
	os.Rename(access, access+".1")
	if out := s.ok("reopen"); !strings.Contains(out, `"status": "reopening"`) {
		t.Errorf("reopen: %s", out)
	}
	in.WaitLog(`Handling signal: usr1`)
	if !proctest.Poll(func() bool {
		in.Get("/")
		data, _ := os.ReadFile(access)
		return strings.Contains(string(data), `"GET / HTTP/1.1" 200`)
	}) {
		t.Error("no new access log after reopen")
	}

	// Refusals: exit 1 and gunicorn's words on stderr.
	if code, _, errOut := s.ctl("bogus"); code != 1 || errOut != "Error: Invalid argument: Unknown command: bogus\n" {
		t.Errorf("bogus: exit %d, stderr %q", code, errOut)
	}
	if r := raw.call("worker add x"); r["status"] != "error" || r["error"] != "Invalid argument: invalid literal for int() with base 10: 'x'" {
		t.Errorf("worker add x: %v", r)
	}

	// shutdown quick stops the master, which removes the socket.
	if r := raw.data("shutdown", "quick"); r["status"] != "shutting_down" || r["mode"] != "quick" {
		t.Errorf("shutdown quick: %v", r)
	}
	if code := in.Wait(); code != 0 {
		t.Errorf("exit code %d after shutdown quick", code)
	}
	in.WaitLog(`Handling signal: int`)
	if _, err := os.Lstat(s.path); !os.IsNotExist(err) {
		t.Errorf("the socket file is still there: %v", err)
	}
	if code, _, errOut := s.ctl("show", "workers"); code != 1 || !strings.HasPrefix(errOut, "Error: Failed to connect to "+s.path+": ") {
		t.Errorf("with no master: exit %d, stderr %q", code, errOut)
	}
}

// Two masters with one default path: the second warns, runs without a
// socket, and leaves the first's alone; once the first is gone, a HUP
// gives the second the path.
func TestControlSocketSeveralMasters(t *testing.T) {
	s := newCtlSite(t)
	first := s.start("-b", "127.0.0.1:0", "hello")
	second := proctest.Start(t, proctest.Setup{Bin: gocornBin, Dir: s.dir, Env: s.env}, "-b", "127.0.0.1:0", "hello")
	second.WaitLog(fmt.Sprintf(`WARNING\] No control socket: %s is served by another process \(pid:%d\), most likely another gocorn master; not taking it over`,
		regexp.QuoteMeta(s.path), first.Pid()))
	if code, _ := second.Get("/"); code != 200 {
		t.Errorf("the second master does not serve: %d", code)
	}
	var stats map[string]any
	json.Unmarshal([]byte(s.ok("--json", "show", "stats")), &stats)
	if stats["pid"] != float64(first.Pid()) {
		t.Errorf("the socket answers for pid %v, want the first master %d", stats["pid"], first.Pid())
	}

	if out := s.ok("shutdown"); !strings.Contains(out, `"mode": "graceful"`) {
		t.Errorf("shutdown: %s", out)
	}
	if code := first.Wait(); code != 0 {
		t.Errorf("first master exit %d after shutdown", code)
	}
	second.Signal(syscall.SIGHUP)
	second.WaitLog("Control socket listening at " + regexp.QuoteMeta(s.path))
	json.Unmarshal([]byte(s.ok("--json", "show", "stats")), &stats)
	if stats["pid"] != float64(second.Pid()) {
		t.Errorf("after the HUP the socket answers for pid %v, want %d", stats["pid"], second.Pid())
	}
}

// In a read-only container the default path cannot be created: one
// warning, and the server runs. The test mounts a read-only tmpfs as
// HOME in a user namespace of its own.
func TestControlSocketReadOnlyHome(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare(1) to mount a read-only file system")
	}
	home := t.TempDir()
	if out, err := exec.Command(unshare, "-rm", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot make a user and mount namespace here: %v %s", err, out)
	}
	mountRO := `mount -t tmpfs -o ro tmpfs "$1" && shift && exec "$@"`
	in := proctest.Start(t, proctest.Setup{Bin: unshare, Dir: t.TempDir(), Env: []string{"XDG_RUNTIME_DIR=", "HOME=" + home}},
		"-rm", "sh", "-c", mountRO, "sh", home, gocornBin, "-b", "127.0.0.1:0", "hello")
	in.WaitLog(`WARNING\] No control socket: cannot create ` + regexp.QuoteMeta(filepath.Join(home, ".gocorn", "gocorn.ctl")) +
		`: mkdir .*: read-only file system; set control_socket to a writable path, or --no-control-socket`)
	if code, _ := in.Get("/"); code != 200 {
		t.Errorf("status %d", code)
	}
	if n := strings.Count(in.Stderr.String(), "No control socket"); n != 1 {
		t.Errorf("%d warnings about the control socket, want 1:\n%s", n, in.Stderr)
	}
}

// --no-control-socket creates nothing.
func TestNoControlSocket(t *testing.T) {
	s := newCtlSite(t)
	in := proctest.Start(t, proctest.Setup{Bin: gocornBin, Dir: s.dir, Env: s.env}, "-b", "127.0.0.1:0", "--no-control-socket", "hello")
	in.Signal(syscall.SIGTERM)
	in.Wait()
	if strings.Contains(in.Stderr.String(), "Control socket") {
		t.Errorf("a control socket was mentioned:\n%s", in.Stderr)
	}
	if _, err := os.Lstat(s.path); !os.IsNotExist(err) {
		t.Errorf("something is at %s: %v", s.path, err)
	}
}

// gunicorn's own client, gunicornc, drives gocorn unchanged, when it is
// installed. Debian 12 packages gunicorn 20.1, which has no control
// socket (it came in 25.1) and no gunicornc, and pip has no index here,
// so this skips on this project's machines.
func TestGunicorncAgainstGocorn(t *testing.T) {
	gunicornc, err := exec.LookPath("gunicornc")
	if err != nil {
		t.Skip("gunicornc is not installed: it comes with gunicorn 25.1 or later (Debian 12 has 20.1)")
	}
	s := newCtlSite(t)
	in := s.start("-b", "127.0.0.1:0", "-w", "2", "hello")
	run := func(command string, json bool) string {
		args := []string{"-s", s.path, "-c", command}
		if json {
			args = append(args, "-j")
		}
		out, err := exec.Command(gunicornc, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("gunicornc -c %q: %v\n%s", command, err, out)
		}
		return string(out)
	}
	if out := run("show workers", false); !strings.Contains(out, "Total: 2 workers") {
		t.Errorf("show workers:\n%s", out)
	}
	if out := run("show stats", true); !strings.Contains(out, fmt.Sprintf(`"pid": %d`, in.Pid())) {
		t.Errorf("show stats -j:\n%s", out)
	}
	run("worker add 1", false)
	in.WaitWorkers(3)
	run("shutdown quick", false)
	if code := in.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// Across a USR2 upgrade the socket stays the old master's until the new
// one is promoted, then the new one serves it.
func TestControlSocketAcrossUSR2(t *testing.T) {
	s := newCtlSite(t)
	old := s.start("-b", "127.0.0.1:0", "hello")
	old.Signal(syscall.SIGUSR2)
	newPid, _ := strconv.Atoi(old.WaitLog(`Started a new master \(pid:(\d+)\)`)[1])
	t.Cleanup(func() { killTree(newPid) })
	old.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Control socket %s stays the old master's \(pid:%d\)`, newPid, regexp.QuoteMeta(s.path), old.Pid()))
	answers := func() float64 {
		var stats map[string]any
		json.Unmarshal([]byte(s.ok("--json", "show", "stats")), &stats)
		return stats["pid"].(float64)
	}
	if pid := answers(); pid != float64(old.Pid()) {
		t.Errorf("during the upgrade the socket answers for %v, want the old master %d", pid, old.Pid())
	}
	old.Signal(syscall.SIGTERM)
	old.Wait()
	old.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Control socket listening at %s`, newPid, regexp.QuoteMeta(s.path)))
	if pid := answers(); pid != float64(newPid) {
		t.Errorf("after the promotion the socket answers for %v, want the new master %d", pid, newPid)
	}
}
