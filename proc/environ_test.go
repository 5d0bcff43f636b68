package proc

import (
	"slices"
	"testing"

	"github.com/gocorn/gocorn/proc/sdnotify"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/starcfg"
)

func TestEnvironmentForWorkers(t *testing.T) {
	base := []string{"PATH=/bin", "HOME=/root", "TMPDIR=/tmp", sdnotify.EnvVar + "=/run/notify", workerpipe.EnvVar + "=9"}
	tests := []struct {
		name   string
		raw    []string
		tmpdir string
		want   []string
	}{
		{"base alone", nil, "", []string{"PATH=/bin", "HOME=/root", "TMPDIR=/tmp"}},
		{"raw_env adds and overrides", []string{"HOME=/srv", "APP=1"}, "", []string{"PATH=/bin", "TMPDIR=/tmp", "HOME=/srv", "APP=1"}},
		{"worker_tmp_dir", []string{"TMPDIR=/raw"}, "/scratch", []string{"PATH=/bin", "HOME=/root", "TMPDIR=/scratch"}},
	}
	for _, tt := range tests {
		cfg := starcfg.Defaults()
		cfg.WorkerTmpDir = tt.tmpdir
		e := &environment{base: base, raw: tt.raw}
		want := append(tt.want, workerpipe.EnvVar+"=3")
		if got := e.forWorkers(cfg); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", tt.name, got, want)
		}
	}
}
