package proc

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gocorn/gocorn/proc/sdnotify"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/starcfg"
)

// environment is the master's process environment: the one gocorn was
// started with (after the master took the variables meant for it alone),
// and raw_env on top, which a HUP may change. Workers get it whole, so a
// variable a HUP adds, changes or removes reaches the next generation.
type environment struct {
	base []string // KEY=VALUE, before raw_env
	raw  []string // the raw_env applied now
}

// newEnvironment takes the process's environment as it is now as the base.
func newEnvironment() *environment { return &environment{base: os.Environ()} }

// apply makes raw the raw_env in force, in the master's own environment
// too: its variables are set, and those an earlier raw_env set and raw
// does not go back to their value in the base, or away.
func (e *environment) apply(raw []string) {
	for _, kv := range e.raw {
		k, _, _ := strings.Cut(kv, "=")
		if v, ok := lookup(e.base, k); ok {
			os.Setenv(k, v)
		} else {
			os.Unsetenv(k)
		}
	}
	for _, kv := range raw {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	e.raw = slices.Clone(raw)
}

// forWorkers is a worker's environment: the base with raw_env over it,
// TMPDIR set to worker_tmp_dir when there is one, without the variables
// only the master may use (a worker pipe of its own, systemd's socket),
// and with the variable that makes the new process a worker.
func (e *environment) forWorkers(cfg *starcfg.Config) []string {
	env := withoutVars(e.base, workerpipe.EnvVar, sdnotify.EnvVar)
	for _, kv := range e.raw {
		k, _, _ := strings.Cut(kv, "=")
		env = append(withoutVars(env, k), kv)
	}
	if cfg.WorkerTmpDir != "" {
		env = append(withoutVars(env, "TMPDIR"), "TMPDIR="+cfg.WorkerTmpDir)
	}
	return append(env, fmt.Sprintf("%s=%d", workerpipe.EnvVar, workerpipe.FD))
}

// lookup finds k in a KEY=VALUE environment.
func lookup(env []string, k string) (string, bool) {
	for _, kv := range env {
		if name, v, _ := strings.Cut(kv, "="); name == k {
			return v, true
		}
	}
	return "", false
}

// withoutVars drops the named variables from a "KEY=VALUE" environment.
func withoutVars(env []string, names ...string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			out = append(out, kv)
		}
	}
	return out
}
