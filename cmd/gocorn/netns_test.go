package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// netnsAvailable skips the test when this machine cannot make network
// namespaces (not root, no ip), unless CI is set: CI runs as root with
// iproute2, and there the test must run.
func netnsAvailable(t *testing.T) {
	t.Helper()
	_, err := exec.LookPath("ip")
	if err == nil && os.Geteuid() != 0 {
		err = fmt.Errorf("not root")
	}
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("network namespaces are needed and CI is set: %v", err)
	}
	t.Skipf("network namespaces need root and ip (iproute2): %v", err)
}

// netLab is a set of network namespaces a test creates, standing in for
// hosts, and removes when it ends. Names carry a random tag so that runs
// side by side do not meet.
type netLab struct {
	t   *testing.T
	tag string
}

func newNetLab(t *testing.T) *netLab {
	t.Helper()
	netnsAvailable(t)
	b := make([]byte, 3)
	rand.Read(b)
	return &netLab{t: t, tag: hex.EncodeToString(b)}
}

// ip runs `ip args...`, failing the test if it fails.
func (l *netLab) ip(args ...string) {
	l.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		l.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// host makes a namespace with its loopback up and returns its name.
func (l *netLab) host(name string) string {
	l.t.Helper()
	ns := "gocorn-" + l.tag + "-" + name
	l.ip("netns", "add", ns)
	l.t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	l.ip("-n", ns, "link", "set", "lo", "up")
	return ns
}

// link joins namespaces a and b with a veth pair on the /24 network
// 10.231.subnet.0, a getting .1 and b .2; it returns b's address.
func (l *netLab) link(a, b string, subnet int) string {
	l.t.Helper()
	ifA, ifB := fmt.Sprintf("gc%s%da", l.tag, subnet), fmt.Sprintf("gc%s%db", l.tag, subnet)
	l.ip("link", "add", ifA, "type", "veth", "peer", "name", ifB)
	l.ip("link", "set", ifA, "netns", a)
	l.ip("link", "set", ifB, "netns", b)
	for _, end := range []struct{ ns, dev, addr string }{{a, ifA, ".1"}, {b, ifB, ".2"}} {
		l.ip("-n", end.ns, "addr", "add", fmt.Sprintf("10.231.%d%s/24", subnet, end.addr), "dev", end.dev)
		l.ip("-n", end.ns, "link", "set", end.dev, "up")
	}
	return fmt.Sprintf("10.231.%d.2", subnet)
}

// in is the command prefix that runs a program inside namespace ns: ip
// execs it, so the pid the test gets is the program's own.
func (l *netLab) in(ns string) []string { return []string{"ip", "netns", "exec", ns} }
