package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// systemdModel is what systemd makes of the notify messages of a
// Type=notify service with NotifyAccess=main, after src/core/service.c's
// service_notify_message: a datagram from a process other than the main
// one is dropped; MAINPID= names a new main process; then STOPPING=1
// wins over READY=1, which wins over RELOADING=1.
type systemdModel struct {
	t     *testing.T
	main  int    // the service's main process
	state string // activating, active, reloading or deactivating
	seen  []string
}

func newSystemdModel(t *testing.T, main int) *systemdModel {
	return &systemdModel{t: t, main: main, state: "activating"}
}

// take applies one datagram, failing the test if systemd would drop it.
// MONOTONIC_USEC's value is left out of the record.
func (s *systemdModel) take(n notice) {
	s.t.Helper()
	s.seen = append(s.seen, fmt.Sprintf("%d: %s", n.pid, strings.Join(withoutStamp(n.lines), " ")))
	if n.pid != s.main {
		s.t.Errorf("systemd drops %q: it came from pid %d, the main process is %d", n.lines, n.pid, s.main)
		return
	}
	for _, l := range n.lines {
		if v, ok := strings.CutPrefix(l, "MAINPID="); ok && s.state != "deactivating" {
			s.main, _ = strconv.Atoi(v)
		}
	}
	switch {
	case slices.Contains(n.lines, "STOPPING=1"):
		s.state = "deactivating"
	case slices.Contains(n.lines, "READY=1") && s.state != "deactivating":
		s.state = "active"
	case slices.Contains(n.lines, "RELOADING=1") && s.state == "active":
		s.state = "reloading"
	}
}

// follow reads datagrams into the model until one has a line starting
// with want.
func (s *systemdModel) follow(n *notifySocket, want string) {
	s.t.Helper()
	for {
		got := n.next(want)
		s.take(got)
		if slices.ContainsFunc(got.lines, func(l string) bool { return strings.HasPrefix(l, want) }) {
			return
		}
	}
}

// want fails the test unless the service is in state with main as its
// main process.
func (s *systemdModel) want(state string, main int) {
	s.t.Helper()
	if s.state != state || s.main != main {
		s.t.Fatalf("systemd sees the service %s with main pid %d, want %s with %d; messages:\n%s",
			s.state, s.main, state, main, strings.Join(s.seen, "\n"))
	}
}

func withoutStamp(lines []string) []string {
	out := slices.Clone(lines)
	for i, l := range out {
		if strings.HasPrefix(l, "MONOTONIC_USEC=") {
			out[i] = "MONOTONIC_USEC=…"
		}
	}
	return out
}
