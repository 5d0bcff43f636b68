package starcfg

import "strings"

// environ is an environment as a map, built from "KEY=VALUE" pairs; a
// later pair wins, as with os/exec.
type environ map[string]string

func newEnviron(pairs []string) environ {
	env := make(environ, len(pairs))
	for _, kv := range pairs {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			env[k] = v
		}
	}
	return env
}

// lookup returns the variable's value and whether it is set.
func (e environ) lookup(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}
