package proc

import (
	"fmt"
	"os"

	"github.com/gocorn/gocorn/starcfg"
)

// listen returns the master's sockets: the ones systemd passed, or those
// of bind (reusing any an old master handed over).
func (m *master) listen() ([]*socket, error) {
	if len(m.activated) > 0 {
		m.log.Info(fmt.Sprintf("Using %d sockets from systemd socket activation; bind is not used", len(m.activated)))
		return m.activated, nil
	}
	return bindAll(m.inherited, m.cfg, startTries, m.log)
}

// noteStarted tells systemd (READY=1) and a -D launcher that the server
// is up, once the first workers are all ready.
func (m *master) noteStarted() {
	if m.started {
		return
	}
	ready := 0
	for _, w := range m.workers {
		if w.ready {
			ready++
		}
	}
	if ready < m.target {
		return
	}
	m.started = true
	m.notify.Status(fmt.Sprintf("serving with %d workers", ready))
	m.notify.Ready()
	m.daemon.Ready()
}

// giveLogsToWorkers creates the log files workers open themselves and
// gives them to the workers' user, so workers that drop privileges can
// write them, as gunicorn does.
func giveLogsToWorkers(cfg *starcfg.Config) error {
	cred, err := workerCredential(cfg)
	if err != nil || cred == nil {
		return err
	}
	for _, path := range []string{cfg.Errorlog, cfg.Accesslog} {
		if path == "" || path == "-" {
			continue
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("log file for workers: %w", err)
		}
		f.Close()
		if err := chownForWorkers(path, cred); err != nil {
			return err
		}
	}
	return nil
}
