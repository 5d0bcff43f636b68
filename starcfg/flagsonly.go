package starcfg

import (
	"fmt"
	"path/filepath"
)

// FlagsOnly is the configuration of the command line and GOCORN_CMD_ARGS
// over the defaults, without running the config file. When Resolve fails
// on the file, it still tells whether --check-config and --json were asked
// for, so the failure can be reported the way the check reports.
func FlagsOnly(inv Invocation) (*Config, error) {
	dir, err := filepath.Abs(inv.Dir)
	if err != nil {
		return nil, fmt.Errorf("config: cannot find the working directory: %v", err)
	}
	inv.Dir = dir
	env := newEnviron(inv.Environ)
	check := &checkContext{dir: dir}
	cli, envArgs, err := parseLayers(inv, env, check)
	if err != nil {
		return nil, err
	}
	cfg, origins, err := defaultConfig(env, check)
	if err != nil {
		return nil, err
	}
	applyFlags(cfg, origins, cli, envArgs)
	return cfg, nil
}
