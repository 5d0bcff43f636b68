package starcfg

import (
	"fmt"
	"path/filepath"
)

// flagLayers is what Resolve reads before it runs the config file: the
// working directory, the environment, the command line and
// GOCORN_CMD_ARGS parsed, and the defaults.
type flagLayers struct {
	dir          string // absolute
	env          environ
	check        *checkContext
	cli, envArgs *args
	cfg          *Config
	origins      map[string]string
}

// readFlagLayers reads the layers of inv that come before the file.
func readFlagLayers(inv Invocation) (*flagLayers, error) {
	dir, err := filepath.Abs(inv.Dir) // "" is the current directory
	if err != nil {
		return nil, fmt.Errorf("config: cannot find the working directory: %v", err)
	}
	inv.Dir = dir
	l := &flagLayers{dir: dir, env: newEnviron(inv.Environ), check: &checkContext{dir: dir}}
	if l.cli, l.envArgs, err = parseLayers(inv, l.env, l.check); err != nil {
		return nil, err
	}
	if l.cfg, l.origins, err = defaultConfig(l.env, l.check); err != nil {
		return nil, err
	}
	return l, nil
}

// FlagsOnly is the configuration of the command line and GOCORN_CMD_ARGS
// over the defaults, without running the config file. When Resolve fails
// on the file, it still tells whether --check-config and --json were asked
// for, so the failure can be reported the way the check reports.
func FlagsOnly(inv Invocation) (*Config, error) {
	l, err := readFlagLayers(inv)
	if err != nil {
		return nil, err
	}
	applyFlags(l.cfg, l.origins, l.cli, l.envArgs)
	return l.cfg, nil
}
