package proc

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/proc/sdnotify"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
)

// spawn starts one worker by executing the binary on disk again, so a
// rebuilt binary is picked up by the next spawn. The worker inherits the
// pipe as fd 3 and the listening sockets from fd 4 on.
func (m *master) spawn() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("spawning a worker: cannot find this program's binary: %w", err)
	}
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("spawning a worker: socketpair: %w", err)
	}
	cred, err := workerCredential(m.cfg)
	if err != nil {
		syscall.Close(pair[0])
		syscall.Close(pair[1])
		return fmt.Errorf("spawning a worker: %w", err)
	}
	ours := os.NewFile(uintptr(pair[0]), "worker pipe")
	defer ours.Close()
	files := []uintptr{0, 1, 2, uintptr(pair[1])}
	for _, s := range m.sockets {
		files = append(files, uintptr(s.fd))
	}
	m.hooks.PreFork(m.hookServer(), &hookrun.Worker{ID: m.lastID + 1, Config: m.cfg, Log: m.log})
	pid, err := syscall.ForkExec(exe, []string{fmt.Sprintf("gocorn: worker [%s]", procName(m.cfg))}, &syscall.ProcAttr{
		Env:   workerEnv(m.cfg),
		Files: files,
		Sys:   &syscall.SysProcAttr{Credential: cred}, // user, group, initgroups: workers only
	})
	syscall.Close(pair[1])
	if err != nil {
		return fmt.Errorf("spawning a worker from %s: %w", exe, err)
	}
	c, err := net.FileConn(ours)
	if err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		return fmt.Errorf("spawning a worker: pipe: %w", err)
	}
	m.lastID++
	w := &worker{pid: pid, id: m.lastID, gen: m.gen, conn: workerpipe.NewConn(c), spawned: time.Now()}
	w.lastBeat = w.spawned
	w.maxLifetime = time.Duration(jittered(m.cfg.MaxWorkerLifetime, m.cfg.MaxWorkerLifetimeJitter)) * time.Second
	w.maxRSS = int64(jittered(m.cfg.MaxWorkerMemory, m.cfg.MaxWorkerMemoryJitter)) << 20
	m.workers[pid] = w
	boot := &workerpipe.Boot{
		Protocol:    workerpipe.Protocol,
		ID:          w.id,
		Config:      m.cfg,
		Sources:     m.res.Sources,
		Listeners:   socketNames(m.sockets),
		MaxRequests: jittered(m.cfg.MaxRequests, m.cfg.MaxRequestsJitter),
		TLS:         m.tls,
	}
	go listen(w.conn, pid, boot, m.events)
	return nil
}

// listen sends the worker its boot message, then forwards what the worker
// says to the master loop until the pipe closes.
func listen(c *workerpipe.Conn, pid int, boot *workerpipe.Boot, events chan<- event) {
	if err := c.Send(workerpipe.Message{Kind: workerpipe.KindBoot, Boot: boot}); err != nil {
		events <- event{pid: pid, closed: true}
		return
	}
	for {
		msg, err := c.Receive()
		if err != nil {
			events <- event{pid: pid, closed: true}
			return
		}
		events <- event{pid: pid, msg: msg}
	}
}

// jittered is a worker's request budget: max_requests plus a random
// 0..jitter (inclusive), so workers do not all recycle at once.
func jittered(maxRequests, jitter int) int {
	if maxRequests <= 0 {
		return 0
	}
	if jitter <= 0 {
		return maxRequests
	}
	return maxRequests + rand.IntN(jitter+1)
}

// workerEnv is the master's environment (raw_env already applied), with
// TMPDIR set to worker_tmp_dir when there is one, plus the variable that
// makes the new process a worker.
func workerEnv(cfg *starcfg.Config) []string {
	env := withoutVars(os.Environ(), workerpipe.EnvVar, sdnotify.EnvVar) // only the master talks to systemd
	if cfg.WorkerTmpDir != "" {
		env = append(withoutVars(env, "TMPDIR"), "TMPDIR="+cfg.WorkerTmpDir)
	}
	return append(env, fmt.Sprintf("%s=%d", workerpipe.EnvVar, workerpipe.FD))
}
