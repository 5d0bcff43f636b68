// Package sdnotify tells systemd how the service is doing, through the
// notify socket systemd names in $NOTIFY_SOCKET for Type=notify and
// Type=notify-reload services (the protocol of sd_notify(3)): one datagram
// of newline-separated VAR=VALUE assignments per call.
//
// Outside systemd the variable is unset and every call does nothing, so
// callers need not check first:
//
//	sdnotify.Ready()     // workers are serving
//	sdnotify.Reloading() // HUP received; Ready() again once reloaded
//	sdnotify.Stopping()  // TERM received
//	sdnotify.HandOver(pid, "upgraded") // USR2: the new master pid is the main process now
package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// EnvVar names the notify socket: a file system path, or an abstract
// socket name when it starts with "@".
const EnvVar = "NOTIFY_SOCKET"

// sendWait bounds one send: a datagram to a notify socket whose queue is
// full must not stall the caller (the master's loop).
const sendWait = time.Second

// Socket is where notifications go, read from the environment once.
type Socket struct {
	// Addr is the value of $NOTIFY_SOCKET; empty means systemd is not
	// listening and every notification is dropped.
	Addr string
}

// FromEnv reads the notify socket's address with getenv (os.Getenv, or a
// test's map).
func FromEnv(getenv func(string) string) Socket {
	return Socket{Addr: getenv(EnvVar)}
}

// Enabled tells whether notifications go anywhere.
func (s Socket) Enabled() bool { return s.Addr != "" }

// Notify sends state, one or more "VAR=VALUE" lines, as one datagram. It
// does nothing and returns nil when the socket is not set.
func (s Socket) Notify(state string) error {
	if s.Addr == "" {
		return nil
	}
	if state == "" {
		return errors.New("sdnotify: the state to send is empty")
	}
	if s.Addr[0] != '/' && s.Addr[0] != '@' {
		return fmt.Errorf("%s=%q is neither an absolute path nor an abstract socket name (@name); "+
			"nothing was sent", EnvVar, s.Addr)
	}
	// The net package turns a leading "@" into the abstract namespace.
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: s.Addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("telling systemd %s: cannot reach %s=%s: %w", summary(state), EnvVar, s.Addr, err)
	}
	defer conn.Close()
	conn.SetWriteDeadline(time.Now().Add(sendWait))
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("telling systemd %s through %s=%s: %w", summary(state), EnvVar, s.Addr, err)
	}
	return nil
}

// Ready says start-up, or a reload, is complete.
func (s Socket) Ready() error { return s.Notify("READY=1") }

// Reloading says a reload has begun; send Ready when it ends, whether or
// not it succeeded. The timestamp is what Type=notify-reload requires to
// tell this reload from an earlier one.
func (s Socket) Reloading() error {
	return s.Notify("RELOADING=1\nMONOTONIC_USEC=" + strconv.FormatInt(monotonicUsec(), 10))
}

// Stopping says the service is shutting down.
func (s Socket) Stopping() error { return s.Notify("STOPPING=1") }

// Status sets the one-line status systemctl status shows. Line breaks
// in text become spaces, since a newline would start another assignment.
func (s Socket) Status(text string) error { return s.Notify(statusLine(text)) }

// statusLine is the STATUS= assignment for text, on one line.
func statusLine(text string) string {
	return "STATUS=" + strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(text)
}

// MainPID names another process as the service's main process.
func (s Socket) MainPID(pid int) error {
	state, err := s.mainPID(pid)
	if err != nil {
		return err
	}
	return s.Notify(state)
}

// HandOver makes pid the service's main process and says the service is
// ready, with status (if not empty) as the status line, all in one
// datagram: the last message of a master that hands the service over to a
// new master. It must be one datagram: systemd checks each datagram's
// sender against the main process when the datagram arrives
// (NotifyAccess=main), so anything sent after the one with MAINPID= would
// come from a process that is no longer the main one, and be dropped.
func (s Socket) HandOver(pid int, status string) error {
	state, err := s.mainPID(pid)
	if err != nil {
		return err
	}
	state += "\nREADY=1"
	if status != "" {
		state += "\n" + statusLine(status)
	}
	return s.Notify(state)
}

// mainPID is the MAINPID= assignment for pid.
func (s Socket) mainPID(pid int) (string, error) {
	if pid <= 0 && s.Enabled() {
		return "", fmt.Errorf("sdnotify: MAINPID must be a process id, not %d", pid)
	}
	return "MAINPID=" + strconv.Itoa(pid), nil
}

// summary is the first line of state, for error messages.
func summary(state string) string {
	first, _, more := strings.Cut(state, "\n")
	if more {
		return first + " (...)"
	}
	return first
}

// monotonicUsec reads CLOCK_MONOTONIC, the clock systemd compares
// MONOTONIC_USEC against, in microseconds.
func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0 // never on Linux: the clock always exists
	}
	return ts.Nano() / 1000
}

// fromProcess is the process's notify socket, read on first use.
var fromProcess = sync.OnceValue(func() Socket { return FromEnv(os.Getenv) })

// Default is the notify socket from this process's environment, as it was
// at the first call of any function of this package.
func Default() Socket { return fromProcess() }

// Notify sends state to the process's notify socket; see Socket.Notify.
func Notify(state string) error { return Default().Notify(state) }

// Ready sends READY=1; see Socket.Ready.
func Ready() error { return Default().Ready() }

// Reloading sends RELOADING=1 and MONOTONIC_USEC; see Socket.Reloading.
func Reloading() error { return Default().Reloading() }

// Stopping sends STOPPING=1.
func Stopping() error { return Default().Stopping() }

// Status sends STATUS=text; see Socket.Status.
func Status(text string) error { return Default().Status(text) }

// MainPID sends MAINPID=pid; see Socket.MainPID.
func MainPID(pid int) error { return Default().MainPID(pid) }

// HandOver sends MAINPID=pid, READY=1 and STATUS=status as one datagram;
// see Socket.HandOver.
func HandOver(pid int, status string) error { return Default().HandOver(pid, status) }
