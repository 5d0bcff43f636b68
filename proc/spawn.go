package proc

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/gocorn/gocorn/proc/sdnotify"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/starcfg"
)

// spawn starts one worker by executing the binary on disk again, so a
// rebuilt binary is picked up by the next spawn. The worker inherits the
// pipe as fd 3 and the listening sockets from fd 4 on.
func (m *master) spawn() error {
	exe, err := m.sys.Executable()
	if err != nil {
		return fmt.Errorf("spawning a worker: cannot find this program's binary: %w", err)
	}
	cred, err := workerCredential(m.cfg)
	if err != nil {
		return fmt.Errorf("spawning a worker: %w", err)
	}
	p := process{
		exe:   exe,
		argv:  []string{fmt.Sprintf("gocorn: worker [%s]", procName(m.cfg))},
		env:   workerEnv(m.cfg),
		files: socketFDs(m.sockets),
		cred:  cred,
	}
	boot := &workerpipe.Boot{
		ID:          m.lastID + 1,
		Config:      m.cfg,
		Sources:     m.res.Sources,
		Listeners:   socketNames(m.sockets),
		MaxRequests: jittered(m.cfg.MaxRequests, m.cfg.MaxRequestsJitter),
		TLS:         m.tls,
	}
	m.hooks.PreFork(m.hookServer(), &starcfg.Worker{ID: m.lastID + 1, Config: m.cfg, Log: m.log})
	pid, pipe, err := m.sys.StartWorker(p, boot)
	if err != nil {
		return err
	}
	m.lastID++
	w := &worker{pid: pid, id: m.lastID, gen: m.gen, pipe: pipe, spawned: m.sys.Now()}
	w.lastBeat = w.spawned
	w.maxLifetime = time.Duration(jittered(m.cfg.MaxWorkerLifetime, m.cfg.MaxWorkerLifetimeJitter)) * time.Second
	w.maxRSS = int64(jittered(m.cfg.MaxWorkerMemory, m.cfg.MaxWorkerMemoryJitter)) << 20
	m.workers[pid] = w
	return nil
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
