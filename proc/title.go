package proc

import (
	"os"
	"slices"
	"strings"
	"syscall"
	"unsafe"
)

// cloneArgs copies the command line out of the process's argv memory, which
// setTitle overwrites. Go's os.Args strings point straight into that
// memory, so every later use must go through the copy.
func cloneArgs() []string {
	args := make([]string, len(os.Args))
	for i, a := range os.Args {
		args[i] = strings.Clone(a)
	}
	return args
}

// setTitle makes ps show title as this process's command line, as
// gunicorn's setproctitle does. It overwrites the argv area the kernel
// reports in /proc/PID/cmdline, so the title is cut to the length of the
// original command line. It must only run after cloneArgs, and it leaves
// the environment, which follows argv in memory, untouched.
func setTitle(title string) {
	argv := os.Args
	if len(argv) == 0 || len(argv[0]) == 0 {
		return
	}
	start := unsafe.StringData(argv[0])
	end := uintptr(unsafe.Pointer(start)) + uintptr(len(argv[0]))
	for _, a := range argv[1:] {
		p := uintptr(unsafe.Pointer(unsafe.StringData(a)))
		if len(a) == 0 || p != end+1 {
			break // not contiguous (already replaced): stop at what is known
		}
		end = p + uintptr(len(a))
	}
	area := unsafe.Slice(start, end-uintptr(unsafe.Pointer(start)))
	n := copy(area, title)
	clear(area[n:])
}

// titleRoomEnv marks a master that already re-executed itself for room.
const titleRoomEnv = "GOCORN_TITLE_ROOM"

// makeRoomForTitle re-executes the master once, with argv[0] padded by
// spaces, when its command line is shorter than title, so that ps can show
// the whole title (gunicorn's setproctitle moves the environment instead;
// Go's runtime still points into it). It returns when no re-exec is needed
// or the re-exec failed, in which case the title is cut.
func makeRoomForTitle(args []string, title string) {
	if os.Getenv(titleRoomEnv) != "" {
		os.Unsetenv(titleRoomEnv)
		return
	}
	if os.Getenv(envUpgradeParent) != "" {
		return // a new master from USR2 must keep the sockets it inherited: no re-exec
	}
	room := len(args) - 1
	for _, a := range args {
		room += len(a)
	}
	if room >= len(title) || len(args) == 0 {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	padded := slices.Clone(args)
	padded[0] += strings.Repeat(" ", len(title)-room)
	syscall.Exec(exe, padded, append(os.Environ(), titleRoomEnv+"=1"))
}
