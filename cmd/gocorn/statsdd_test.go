package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/statsd/statsdtest"
	"github.com/gocorn/gocorn/proc/proctest"
)

// statsDaemon is a real statsd (the npm package statsd, Etsy's daemon)
// on loopback: UDP for metrics, and its admin TCP interface to read back
// what it aggregated.
type statsDaemon struct {
	addr  string // UDP HOST:PORT for statsd_host
	admin string // TCP HOST:PORT of the admin interface
}

// startStatsDaemon runs statsd with a config of its own. Under CI=true
// the daemon must be there (.ci/run installs it); elsewhere the test is
// skipped without it.
func startStatsDaemon(t *testing.T) *statsDaemon {
	t.Helper()
	bin, err := exec.LookPath("statsd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("statsd is missing (%v) and CI is set: .ci/run must install it (npm install -g statsd)", err)
		}
		t.Skip("statsd is not installed (npm install -g statsd); CI installs it")
	}
	gone := statsdtest.ListenUDP(t) // a UDP port nothing uses once closed
	gone.Close()
	d := &statsDaemon{addr: gone.Addr, admin: freePort(t)}
	host, port, _ := net.SplitHostPort(d.addr)
	_, adminPort, _ := net.SplitHostPort(d.admin)
	// No backend, and no flush during the test: statsd resets its
	// counters at every flush, and the admin interface shows the counts
	// since the last one.
	conf := filepath.Join(t.TempDir(), "statsd.js")
	js := fmt.Sprintf(`{ address: %q, port: %s, mgmt_address: %q, mgmt_port: %s, backends: [], flushInterval: 3600000 }`,
		host, port, host, adminPort)
	if err := os.WriteFile(conf, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, conf)
	out := &proctest.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("statsd output:\n%s", out)
		}
	})
	if !proctest.Poll(func() bool { s, err := d.ask("health"); return err == nil && strings.Contains(s, "health: up") }) {
		t.Fatalf("statsd did not answer on %s within %s:\n%s", d.admin, proctest.WaitFor, out)
	}
	return d
}

// ask sends an admin command and returns the answer, up to its END.
func (d *statsDaemon) ask(cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", d.admin, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(proctest.WaitFor))
	fmt.Fprintf(c, "%s\n", cmd)
	var b strings.Builder
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil || line == "END\n" || strings.HasPrefix(line, "health:") {
			return b.String(), err
		}
	}
}

// inspected reads the values of node's util.inspect of an object of
// numbers, as the admin's counters and gauges are printed.
var inspected = regexp.MustCompile(`'([^']+)': (-?[0-9.e+]+)`)

// values asks for counters or gauges and returns them by name.
func (d *statsDaemon) values(t *testing.T, cmd string) map[string]float64 {
	t.Helper()
	answer, err := d.ask(cmd)
	if err != nil {
		t.Fatalf("statsd %s: %v", cmd, err)
	}
	vals := map[string]float64{}
	for _, m := range inspected.FindAllStringSubmatch(answer, -1) {
		vals[m[1]], _ = strconv.ParseFloat(m[2], 64)
	}
	return vals
}

// The real statsd daemon aggregates what gocorn sends as gunicorn's
// metrics: its counters and gauges, read back through its admin
// interface, hold every request, every status and the master's gauges,
// under the prefix and with the tags (statsd keys them name;k=v).
func TestStatsdDaemonAggregates(t *testing.T) {
	d := startStatsDaemon(t)
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "-k", "gthread",
		"--statsd-host", d.addr, "--statsd-prefix", "svc", "--dogstatsd-tags", "env:e2e", "chaos")
	for range 100 {
		in.Get("/")
	}
	in.Get("/panic")
	const tag = ";env=e2e"
	var counters, gauges map[string]float64
	if !proctest.Poll(func() bool {
		counters, gauges = d.values(t, "counters"), d.values(t, "gauges")
		return counters["svc.gunicorn.requests"+tag] == 101 && gauges["svc.gunicorn.workers"+tag] == 2
	}) {
		t.Fatalf("statsd has counters %v and gauges %v; want 101 requests and 2 workers", counters, gauges)
	}
	want := map[string]float64{
		"svc.gunicorn.request.status.200" + tag: 100,
		"svc.gunicorn.request.status.500" + tag: 1,
		"svc.gunicorn.log.exception" + tag:      1,
		"svc.gunicorn.workers.spawned" + tag:    2,
		"statsd.bad_lines_seen":                 0,
	}
	for name, v := range want {
		if counters[name] != v {
			t.Errorf("counter %s = %v, want %v", name, counters[name], v)
		}
	}
	if gauges["svc.gunicorn.workers.ready"+tag] != 2 {
		t.Errorf("gauges %v: want 2 workers ready", gauges)
	}
	if timers, _ := d.ask("timers"); !strings.Contains(timers, "'svc.gunicorn.request.duration"+tag+"'") {
		t.Errorf("no request duration timers:\n%s", timers)
	}
}
