package starcfg

import (
	"os"
	"path/filepath"
	"testing"
)

// cpu_count() is the cgroup's quota (package cgroup finds it), never more
// than the CPUs the scheduler offers and never less than one.
func TestCPUCount(t *testing.T) {
	for _, tc := range []struct {
		cpuMax string // "" for no file
		numCPU int
		want   int
	}{
		{"", 8, 8},
		{"200000 100000", 8, 2},
		{"1600000 100000", 4, 4},
		{"", 0, 1},
	} {
		root := t.TempDir()
		if tc.cpuMax != "" {
			if err := os.WriteFile(filepath.Join(root, "cpu.max"), []byte(tc.cpuMax), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		c := cpuCounter{root: root, self: filepath.Join(root, "no-such-self"), numCPU: func() int { return tc.numCPU }}
		if got := c.count(); got != tc.want {
			t.Errorf("cpu.max %q, %d CPUs: count() = %d, want %d", tc.cpuMax, tc.numCPU, got, tc.want)
		}
	}
}

func TestHostCPUCountIsSane(t *testing.T) {
	if n := hostCPUs.count(); n < 1 {
		t.Errorf("hostCPUs.count() = %d", n)
	}
}
