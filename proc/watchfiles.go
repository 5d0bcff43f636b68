package proc

import (
	"fmt"

	"github.com/gocorn/gocorn/proc/watch"
)

// fileWatcher is the master's use of proc/watch for the reload setting:
// a change to the config file, a file it load()ed, the executable or
// reload_extra_files triggers the same path as HUP.
type fileWatcher struct {
	w *watch.Watcher
}

// changes is nil (never ready in a select) when there is no watcher.
func (f *fileWatcher) changes() <-chan watch.Change {
	if f == nil {
		return nil
	}
	return f.w.Changes()
}

func (f *fileWatcher) close() {
	if f != nil {
		f.w.Close()
	}
}

// watchFiles starts, updates or stops the watcher to match the running
// configuration. A watcher that cannot start is reported; the server runs
// on without it.
func (m *master) watchFiles() {
	if !m.cfg.Reload {
		if m.watcher != nil {
			m.watcher.close()
			m.watcher = nil
			m.log.Info("Stopped watching files: reload is off")
		}
		return
	}
	opts := watch.Options{
		Files:      m.watchedFiles(),
		ExtraFiles: m.cfg.ReloadExtraFiles,
		Dir:        m.inv.Dir,
		Engine:     m.cfg.ReloadEngine,
		Log:        m.log,
	}
	if m.watcher != nil {
		if err := m.watcher.w.Update(opts); err != nil {
			m.log.Error("Updating the files to watch: " + err.Error())
		}
		return
	}
	w, err := watch.New(opts)
	if err != nil {
		m.log.Error("Cannot watch files for reload; reload only on HUP: " + err.Error())
		return
	}
	m.watcher = &fileWatcher{w: w}
	m.log.Info(fmt.Sprintf("Reloading on changes to %d files and %d extra entries (%s)",
		len(opts.Files), len(opts.ExtraFiles), w.Engine()))
}

// watchedFiles are the config files evaluated and the executable.
func (m *master) watchedFiles() []string {
	var files []string
	for _, s := range m.sources {
		files = append(files, s.Path)
	}
	if exe, err := m.sys.Executable(); err == nil {
		files = append(files, exe)
	}
	return files
}
