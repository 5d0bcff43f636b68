package proc

import (
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// followGoRun makes a master started by `go run` stop when the go command
// does. `go run` does not pass SIGTERM on to the program it built; killed,
// it leaves the master orphaned and serving, so `kill PID` of what the user
// started would not stop the server. A parent-death signal of SIGTERM makes
// the kernel send the master the signal it would have got, and the master
// stops gracefully. Any other parent (a shell, systemd, a container
// runtime) is left alone: a master outliving its parent is normal there.
func followGoRun() {
	parent := os.Getppid()
	if exe, _ := os.Readlink("/proc/" + strconv.Itoa(parent) + "/exe"); !startedByGoRun(exe) {
		return
	}
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0); err != nil {
		return
	}
	if os.Getppid() != parent { // the go command died before the prctl
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
}
