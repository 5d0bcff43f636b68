package proc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
)

// reload is HUP: evaluate the configuration again and roll the workers
// onto it. Anything wrong with the new configuration (it does not
// evaluate, names an app this binary lacks, cannot bind) is logged and the
// server keeps running the old one: a bad edit never takes it down.
//
// Otherwise the changes are logged, new sockets are opened before old ones
// close, and a new generation of workers starts; each old worker retires
// as a new one reports ready, so capacity never dips, and if the new
// generation cannot boot the old one keeps serving.
func (m *master) reload() {
	started := m.sys.Now()
	m.notify.Reloading()
	res, socks, secrets, err := m.prepareReload()
	defer m.watchFiles() // a reload may load other files, or turn reload on or off
	if err != nil {
		m.notify.Status(fmt.Sprintf("reload failed, still serving the previous configuration: %v", err))
		m.notify.Ready() // the reload is over
		m.failedReloads++
		m.log.Error(fmt.Sprintf("Reload failed (%d so far); still serving the previous configuration: %v",
			m.failedReloads, err))
		return
	}
	hookrun.LogPrints(m.log, res.Prints)
	old := m.cfg
	m.logChanges(old, res.Config)
	m.cfg, m.sources = res.Config, res.Sources
	currentConfig.Store(m.cfg)
	m.swapSockets(socks, old)
	m.warnIgnored(old)
	m.setTLS(secrets)
	m.hooks = hookrun.New(res.Hooks, m.log, hookrun.RequestView{}).WithGo(theProgram.Hooks)
	if res.Config.Workers != old.Workers {
		m.fleet.setTarget(res.Config.Workers)
	} // else a count set by TTIN/TTOU stays
	m.logs.follow(m.cfg)
	m.followControl(old)
	m.followMetrics(old)
	m.env.apply(m.cfg.RawEnv)
	m.sys.SetTitle(m.title())
	m.hooks.OnReload(m.hookServer())
	m.fleet.newGeneration(policyOf(m.cfg), started)
	m.reloads++
	m.log.Info(fmt.Sprintf("Reloaded the configuration; starting generation %d of %d workers", m.fleet.gen, m.fleet.target))
}

// prepareReload resolves the configuration, reads its TLS files and opens
// its sockets without changing anything the running server uses.
func (m *master) prepareReload() (*starcfg.Resolved, []*socket, *server.TLSSecrets, error) {
	res, err := starcfg.Resolve(m.inv)
	if err != nil {
		return nil, nil, nil, err
	}
	secrets, err := m.prepareConfig(res.Config)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := giveLogsToWorkers(res.Config); err != nil {
		return nil, nil, nil, err
	}
	if len(m.activated) > 0 {
		return res, m.sockets, secrets, nil // systemd's sockets; bind is not used
	}
	socks, err := bindAll(m.sockets, res.Config, lookupIP, 1, m.log)
	if err != nil {
		return nil, nil, nil, err
	}
	return res, socks, secrets, nil
}

// logChanges says which settings a HUP changed, and which of those only a
// restart applies.
func (m *master) logChanges(old, new *starcfg.Config) {
	changes := starcfg.Diff(old, new)
	if len(changes) == 0 {
		m.log.Info("Reload: no setting changed")
		return
	}
	var restart []string
	for _, c := range changes {
		m.log.Info(fmt.Sprintf("Reload: %s changed from %s to %s", c.Name, c.Old, c.New))
		if !c.Reloadable {
			restart = append(restart, c.Name)
		}
	}
	if len(restart) > 0 {
		m.log.Warn(fmt.Sprintf("Reload: %s only take effect after a restart", strings.Join(restart, ", ")))
	}
}

// swapSockets makes socks the master's sockets, closing the ones no longer
// bound (workers of the old generation keep their own copies until they
// retire), and says where it listens if that changed since old.
func (m *master) swapSockets(socks []*socket, old *starcfg.Config) {
	var gone []*socket
	for _, s := range m.sockets {
		if !slices.Contains(socks, s) {
			gone = append(gone, s)
		}
	}
	changed := len(gone) > 0 || len(socks) != len(m.sockets)
	m.sockets = socks
	closeSockets(gone, m.ownsSocketFiles())
	if changed || m.cfg.TLSEnabled() != old.TLSEnabled() {
		m.logListening(socks)
	}
}
