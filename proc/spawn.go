package proc

import (
	"fmt"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
)

// spawn starts one worker of the running generation.
func (f *fleet) spawn() error {
	id := f.lastID + 1
	p, boot, err := f.hooks.newWorker()
	if err != nil {
		return fmt.Errorf("spawning a worker: %w", err)
	}
	boot.ID, boot.MaxRequests = id, f.policy.requests.draw()
	f.hooks.preFork(id)
	pid, pipe, err := f.sys.StartWorker(p, boot)
	if err != nil {
		return err
	}
	f.lastID = id
	f.counts.Spawned++
	f.log.Debug(fmt.Sprintf("Worker (pid:%d) started: worker %d of generation %d", pid, id, f.gen))
	now := f.sys.Now()
	f.workers[pid] = &worker{
		pid: pid, id: id, gen: f.gen, pipe: pipe,
		state: booting, since: now, spawned: now, lastBeat: now,
		maxLifetime: time.Duration(f.policy.lifetime.draw()) * time.Second,
		maxRSS:      int64(f.policy.memory.draw()) << 20,
		memory:      watchMemory(f.sys, pid),
	}
	return nil
}

// workerProcess is how the master starts a worker: the binary on disk
// again, so a rebuilt binary is picked up by the next spawn, as the
// workers' user, with the listening sockets from fd 4 on (the pipe is fd
// 3); and its boot message, the running generation's.
func (m *master) workerProcess() (process, *workerpipe.Boot, error) {
	exe, err := m.sys.Executable()
	if err != nil {
		return process{}, nil, fmt.Errorf("cannot find this program's binary: %w", err)
	}
	cred, err := workerCredential(m.cfg)
	if err != nil {
		return process{}, nil, err
	}
	p := process{
		exe:   exe,
		argv:  []string{theProgram.title("worker", procName(m.cfg))},
		env:   m.env.forWorkers(m.cfg),
		files: socketFDs(m.sockets),
		cred:  cred,
	}
	boot := &workerpipe.Boot{Protocol: workerpipe.Protocol, Config: m.cfg, Sources: m.sources,
		Listeners: socketNames(m.sockets), TLS: m.tls.secrets}
	return p, boot, nil
}
