package proc

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/starcfg/cgroup"
)

// osSystem is the system of a real master: the kernel, the clock and the
// binary on disk. Workers' messages go to events.
type osSystem struct {
	events chan<- event
}

func (osSystem) Now() time.Time                         { return time.Now() }
func (osSystem) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (osSystem) Executable() (string, error)            { return os.Executable() }
func (osSystem) SetTitle(title string)                  { setTitle(title) }
func (osSystem) RSS(pid int) (int64, error)             { return residentBytes(pid) }

// MemoryCgroup reads pid's membership, or the master's own, which a
// worker inherits, when pid has exited already.
func (osSystem) MemoryCgroup(pid int) cgroup.Memory {
	file := cgroup.PIDFile(pid)
	if _, err := os.Stat(file); err != nil {
		file = cgroup.SelfFile
	}
	cg, _ := cgroup.Host.Memory(file)
	return cg
}

func (osSystem) OOMKills(cg cgroup.Memory) (uint64, error) {
	if cg == (cgroup.Memory{}) {
		return cgroup.SystemOOMKills(cgroup.VMStat)
	}
	return cg.OOMKills()
}

func (osSystem) MemoryLimit(cg cgroup.Memory) (int64, bool) { return cg.Limit() }

func (osSystem) Signal(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }

func (osSystem) Reap() (int, syscall.WaitStatus, bool) {
	var ws syscall.WaitStatus
	pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
	if pid <= 0 || err != nil {
		return 0, 0, false
	}
	return pid, ws, true
}

// StartWorker executes p with one end of a new socket pair as fd 3, the
// worker's pipe, and forwards what the worker says to s.events.
func (s osSystem) StartWorker(p process, boot *workerpipe.Boot) (int, workerPipe, error) {
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, nil, fmt.Errorf("spawning a worker: socketpair: %w", err)
	}
	ours := os.NewFile(uintptr(pair[0]), "worker pipe")
	defer ours.Close()
	pid, err := forkExec(p, pair[1])
	syscall.Close(pair[1])
	if err != nil {
		return 0, nil, fmt.Errorf("spawning a worker from %s: %w", p.exe, err)
	}
	c, err := net.FileConn(ours)
	if err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		return 0, nil, fmt.Errorf("spawning a worker: pipe: %w", err)
	}
	return pid, startPipe(c, pid, boot, s.events), nil
}

// StartMaster executes p with p.files from fd 3 on.
func (osSystem) StartMaster(p process) (int, error) {
	return forkExec(p)
}

// forkExec starts p with the standard streams, then first, then p.files.
func forkExec(p process, first ...int) (int, error) {
	files := []uintptr{0, 1, 2}
	for _, fd := range append(first, p.files...) {
		files = append(files, uintptr(fd))
	}
	return syscall.ForkExec(p.exe, p.argv, &syscall.ProcAttr{
		Dir:   p.dir,
		Env:   p.env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Credential: p.cred}, // user, group, initgroups: workers only
	})
}

// startPipe starts the conversation with a new worker over c: its boot
// message first, then what it says, forwarded to events.
func startPipe(c net.Conn, pid int, boot *workerpipe.Boot, events chan<- event) workerPipe {
	p := &bootPipe{conn: workerpipe.NewConn(c)}
	go p.listen(pid, boot, events)
	return p
}

// bootPipe is the master's end of a worker's pipe. The worker's first
// message must be Boot, which goes from the goroutine that then reads the
// worker (a large one may wait for the worker to read it). What the
// master sends before it has gone, such as a Stop right after the spawn,
// follows it in order, without blocking the master.
type bootPipe struct {
	conn *workerpipe.Conn

	mu      sync.Mutex
	booted  bool                 // Boot has gone, or failed
	pending []workerpipe.Message // sent before that; they follow it
}

// Send sends msg, or queues it behind the boot message.
func (p *bootPipe) Send(msg workerpipe.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.booted {
		p.pending = append(p.pending, msg)
		return nil
	}
	return p.conn.Send(msg)
}

// Close closes the pipe.
func (p *bootPipe) Close() error { return p.conn.Close() }

// boot sends the boot message, then what was sent meanwhile.
func (p *bootPipe) boot(b *workerpipe.Boot) error {
	err := p.conn.Send(workerpipe.Message{Kind: workerpipe.KindBoot, Boot: b})
	p.mu.Lock()
	defer p.mu.Unlock()
	p.booted = true
	for _, msg := range p.pending {
		if err == nil {
			err = p.conn.Send(msg)
		}
	}
	p.pending = nil
	return err
}

// listen boots the worker, then forwards what it says to the master loop
// until the pipe closes.
func (p *bootPipe) listen(pid int, boot *workerpipe.Boot, events chan<- event) {
	if err := p.boot(boot); err != nil {
		events <- event{pid: pid, closed: true}
		return
	}
	for {
		msg, err := p.conn.Receive()
		if err != nil {
			events <- event{pid: pid, closed: true}
			return
		}
		events <- event{pid: pid, msg: msg}
	}
}

// residentBytes is a process's resident set size, from /proc/PID/statm.
func residentBytes(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return 0, err
	}
	fields := bytes.Fields(data)
	if len(fields) < 2 {
		return 0, fmt.Errorf("/proc/%d/statm: unexpected %q", pid, data)
	}
	pages, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/statm: %w", pid, err)
	}
	return pages * int64(os.Getpagesize()), nil
}
