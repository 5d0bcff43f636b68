package proc

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// The variables of systemd socket activation (sd_listen_fds(3)). The
// master removes them from its environment once it has adopted the
// sockets, so workers and a master started by USR2 never see them.
const (
	envListenPID     = "LISTEN_PID"     // the process the sockets are for
	envListenFDs     = "LISTEN_FDS"     // how many, from fd 3 on
	envListenFDNames = "LISTEN_FDNAMES" // colon-separated names, for logs only
)

// activationVars lists the variables to remove after activatedSockets.
var activationVars = []string{envListenPID, envListenFDs, envListenFDNames}

// listenFDsStart is the first fd systemd passes (SD_LISTEN_FDS_START).
const listenFDsStart = 3

// activatedSpec begins the spec of every socket systemd passed. It matches
// no bind entry, so such a socket stands for none: bind is not used, a HUP
// never re-binds or closes it, and its unix socket file is never removed.
const activatedSpec = "systemd:"

// activatedSockets adopts the listening sockets systemd passed to process
// pid, in order, when env (os.Getenv in the master) says there are some:
// LISTEN_PID is pid and LISTEN_FDS is N > 0, for fds 3 .. 3+N-1. It
// returns nil and no error when the process was not socket-activated.
//
// The sockets occupy the fds the master later gives its own meaning (a
// worker's pipe is fd 3), so this must run before the process opens any
// file: each one is made close-on-exec here, then workers get it at the
// fd spawn chooses.
func activatedSockets(env func(string) string, pid int) ([]*socket, error) {
	if env(envListenPID) != strconv.Itoa(pid) {
		return nil, nil // unset, or meant for another process (sd_listen_fds does the same)
	}
	count := env(envListenFDs)
	if count == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("systemd socket activation: %s=%q is not a number of sockets", envListenFDs, count)
	}
	if n == 0 {
		return nil, nil
	}
	var names []string
	if v := env(envListenFDNames); v != "" {
		if names = strings.Split(v, ":"); len(names) != n {
			names = nil // does not describe these fds: the logs do without
		}
	}
	socks := make([]*socket, 0, min(n, 64))
	for i := range n {
		fd, name := listenFDsStart+i, ""
		if names != nil && names[i] != "" {
			name = fmt.Sprintf(" (%s)", names[i])
		}
		s, err := adoptActivated(fd)
		if err != nil {
			return nil, fmt.Errorf("systemd socket activation (%s=%d)%s: %w", envListenFDs, n, name, err)
		}
		s.spec = fmt.Sprintf("%sfd://%d%s", activatedSpec, fd, name)
		socks = append(socks, s)
	}
	return socks, nil
}

// adoptActivated is adoptFD (a listening socket, made close-on-exec and
// named from getsockname), made non-blocking like the sockets the master
// binds itself; workers would set that anyway.
func adoptActivated(fd int) (*socket, error) {
	s, err := adoptFD(fd)
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		return nil, fmt.Errorf("fd %d: set non-blocking: %w", fd, err)
	}
	return s, nil
}

// isActivated tells whether systemd passed s.
func isActivated(s *socket) bool { return strings.HasPrefix(s.spec, activatedSpec) }
