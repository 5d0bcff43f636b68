package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// lbHost is one gocorn host behind the balancer: its namespace, address
// and the master serving there now.
type lbHost struct {
	ns, addr string
	in       *proctest.Instance // the first master; its log also carries a USR2 successor's
	master   int
}

// TestBalancedHostsRollAndFailOver scales out the way operators do: two
// hosts (network namespaces) each run gocorn, and nginx in a third
// balances over them, all traffic inside those namespaces (the test talks
// to nginx over a unix socket). Under load it rolls a HUP and then a USR2
// binary upgrade through each host in turn, with no failed request, then
// kills one host outright and nginx carries on with the other.
func TestBalancedHostsRollAndFailOver(t *testing.T) {
	nginxAvailable(t)
	lab := newNetLab(t)
	dir := t.TempDir()
	lb := lab.host("lb")
	var hosts []*lbHost
	for i := 1; i <= 2; i++ {
		h := &lbHost{ns: lab.host("h" + strconv.Itoa(i))}
		h.addr = lab.link(lb, h.ns, i) + ":8000"
		args := append(lab.in(h.ns)[1:], gocornBin, "-b", h.addr, "-w", "2", "-k", "gthread", "--threads", "4",
			"--log-level", "debug", "echo")
		h.in = proctest.Start(t, proctest.Setup{Bin: "ip", Dir: dir}, args...)
		h.master = h.in.Pid()
		hosts = append(hosts, h)
	}
	sock, access := startBalancer(t, dir, lab.in(lb), hosts)
	served := func(h *lbHost) int { return upstreamCount(access, h.addr) }
	waitServed := func(h *lbHost, more int) {
		t.Helper()
		before := served(h)
		if !proctest.Poll(func() bool { return served(h) >= before+more }) {
			t.Fatalf("%s served %d requests, want %d more", h.addr, served(h), more)
		}
	}

	load := proctest.StartUnixLoad(sock, "http://gocorn.test/", 8)
	for _, h := range hosts {
		waitServed(h, 50)
	}
	for _, h := range hosts { // rolling HUP
		h.in.Signal(syscall.SIGHUP)
		h.in.WaitLog(`Reload complete: generation 2,`)
		waitServed(h, 50)
	}
	for _, h := range hosts { // rolling binary upgrade
		h.master = upgradeHost(t, h)
		waitServed(h, 50)
	}
	res := load.Stop()
	t.Logf("through nginx across a rolling HUP and a rolling USR2 on 2 hosts: %d requests, %d failed", res.OK, res.Failed)
	if res.Failed > 0 || res.Refused > 0 || res.OK == 0 {
		t.Fatalf("%d failed, %d refused: %v", res.Failed, res.Refused, res.Errors)
	}

	load = proctest.StartUnixLoad(sock, "http://gocorn.test/", 8)
	waitServed(hosts[0], 20)
	killTree(hosts[0].master)
	if !proctest.Poll(func() bool { return proctest.Gone(hosts[0].master) }) {
		t.Fatalf("host 1's master %d survived SIGKILL", hosts[0].master)
	}
	waitServed(hosts[1], 500)
	dead := served(hosts[0])
	waitServed(hosts[1], 500)
	res = load.Stop()
	t.Logf("host 1 killed: %d requests, %d failed (in flight at the kill)", res.OK, res.Failed)
	if got := served(hosts[0]); got != dead {
		t.Errorf("nginx logged %d more requests served by the dead host", got-dead)
	}
	if res.Failed > 8 { // at most the requests in flight on host 1 when it died
		t.Errorf("%d requests failed after host 1 died, more than the 8 that can be in flight: %v", res.Failed, res.Errors)
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "nginx-error.log")); !strings.Contains(string(log), hosts[0].addr) {
		t.Errorf("nginx's error log does not mention the dead host %s:\n%s", hosts[0].addr, log)
	}
}

// upgradeHost runs gunicorn's binary upgrade on h: USR2, wait until the
// new master's workers are ready, TERM the old master. It returns the new
// master's pid.
func upgradeHost(t *testing.T, h *lbHost) int {
	t.Helper()
	syscall.Kill(h.master, syscall.SIGUSR2)
	newPid, _ := strconv.Atoi(h.in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Started a new master \(pid:(\d+)\)`, h.master))[1])
	t.Cleanup(func() { killTree(newPid) })
	var workers []int
	if !proctest.Poll(func() bool { workers = children(newPid); return len(workers) == 2 }) {
		t.Fatalf("the new master on %s has workers %v", h.ns, workers)
	}
	for _, w := range workers {
		h.in.WaitLog(fmt.Sprintf(`\[%d\] \[DEBUG\] Worker \(pid:%d\) is ready`, newPid, w))
	}
	syscall.Kill(h.master, syscall.SIGTERM)
	h.in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Master has been promoted\.`, newPid))
	return newPid
}

// startBalancer runs nginx in the namespace command runs in, balancing
// over hosts, listening on a unix socket under dir. It returns the socket
// and the access log, whose lines are "$upstream_addr $status".
func startBalancer(t *testing.T, dir string, command []string, hosts []*lbHost) (sock, access string) {
	t.Helper()
	sock, access = filepath.Join(dir, "lb.sock"), filepath.Join(dir, "nginx-access.log")
	var servers strings.Builder
	for _, h := range hosts {
		fmt.Fprintf(&servers, "        server %s max_fails=1 fail_timeout=30s;\n", h.addr)
	}
	conf := fmt.Sprintf(`master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log info;
events { worker_connections 1024; }
http {
    log_format upstream '$upstream_addr $status';
    access_log %[2]s upstream;
%[3]s
    upstream hosts {
%[4]s    }
    server {
        listen unix:%[5]s;
        location / {
            proxy_pass http://hosts;
            proxy_connect_timeout 1s;
            proxy_next_upstream error timeout;
        }
    }
}
`, dir, access, nginxTempPaths(dir), servers.String(), sock)
	runNginx(t, dir, conf, command, func() bool {
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return sock, access
}

// upstreamCount counts the access-log lines of requests addr answered
// with a 200 (nginx lists every upstream it tried; the last answered).
func upstreamCount(access, addr string) int {
	data, _ := os.ReadFile(access)
	re := regexp.MustCompile(`(?m)(?:^|, )` + regexp.QuoteMeta(addr) + ` 200$`)
	return len(re.FindAll(data, -1))
}
