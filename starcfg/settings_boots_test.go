package starcfg

import (
	"strings"
	"testing"
)

// boot_timeout and max_concurrent_boots from the file and the command
// line (a flag beats the file), and the values each refuses, at file:line.
func TestBootSettings(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"gocorn.conf.star":  "boot_timeout = 2.5\nmax_concurrent_boots = 2\n",
		"negtimeout.star":   "boot_timeout = -1\n",
		"strtimeout.star":   "boot_timeout = 'soon'\n",
		"negboots.star":     "\nmax_concurrent_boots = -2\n",
		"floatboots.star":   "max_concurrent_boots = 1.5\n",
		"defaults.star":     "workers = 2\n",
		"stringnumber.star": "boot_timeout = '0.25'\n",
	})
	for _, tc := range []struct {
		args  []string
		want  BootConfig
		error string
	}{
		{args: nil, want: BootConfig{BootTimeout: 2.5, MaxConcurrentBoots: 2}},
		{args: []string{"--boot-timeout", "10", "--max-concurrent-boots", "4"}, want: BootConfig{BootTimeout: 10, MaxConcurrentBoots: 4}},
		{args: []string{"-c", "defaults.star"}, want: BootConfig{}},
		{args: []string{"-c", "stringnumber.star"}, want: BootConfig{BootTimeout: 0.25}},
		{args: []string{"-c", "negtimeout.star"}, error: "negtimeout.star:1: boot_timeout: got -1, want 0 or more seconds"},
		{args: []string{"-c", "strtimeout.star"}, error: `strtimeout.star:1: boot_timeout: "soon" is not a number of seconds`},
		{args: []string{"-c", "negboots.star"}, error: "negboots.star:2: max_concurrent_boots: got -2, want 0 or more"},
		{args: []string{"-c", "floatboots.star"}, error: "floatboots.star:1: max_concurrent_boots: got float, want int"},
		{args: []string{"--max-concurrent-boots=-1"}, error: "--max-concurrent-boots: got -1, want 0 or more"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r, err := resolveIn(t, dir, nil, tc.args...)
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Fatalf("error %v, want one with %q", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Config.BootConfig != tc.want {
				t.Errorf("%+v, want %+v", r.Config.BootConfig, tc.want)
			}
		})
	}
}
