package starcfg

import (
	"bytes"
	"testing"
)

// TestFlagsOnly: a config file that fails still leaves the modes the
// command line and GOCORN_CMD_ARGS asked for readable, and FlagsOnly
// does not run the file.
func TestFlagsOnly(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": "workers = 'x'\nfail('ran')\n"})
	inv := Invocation{Args: []string{"--check-config", "-w", "3"}, Environ: []string{"GOCORN_CMD_ARGS=--json"},
		Dir: dir, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	if _, err := Resolve(inv); err == nil {
		t.Fatal("the broken file resolved")
	}
	cfg, err := FlagsOnly(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.CheckConfig || !cfg.CheckJSON || cfg.Workers != 3 {
		t.Errorf("check_config %v, check_config_json %v, workers %d; want true, true, 3", cfg.CheckConfig, cfg.CheckJSON, cfg.Workers)
	}
	if _, err := FlagsOnly(Invocation{Args: []string{"--no-such-flag"}, Dir: dir}); err == nil {
		t.Error("FlagsOnly accepted an unknown flag")
	}
}
