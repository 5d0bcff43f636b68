package cgroup

import (
	"os"
	"path/filepath"
	"testing"
)

// The CPU quota is found in cgroup v2 and v1 layouts, the tightest on
// the path up to the root winning.
func TestCPULimit(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // relative to the fake cgroup root
		self  string            // content of /proc/self/cgroup; "" = missing
		want  int               // 0: no quota
	}{
		{"no cgroup files", nil, "", 0},
		{"v2 quota", map[string]string{"cpu.max": "200000 100000\n"}, "", 2},
		{"v2 quota rounds up", map[string]string{"cpu.max": "150000 100000"}, "", 2},
		{"v2 small quota is one CPU", map[string]string{"cpu.max": "1000 100000"}, "", 1},
		{"v2 unlimited", map[string]string{"cpu.max": "max 100000"}, "", 0},
		{"v2 large quota", map[string]string{"cpu.max": "1600000 100000"}, "", 16},
		{"v2 nested: tightest ancestor wins", map[string]string{
			"cpu.max":               "max 100000",
			"kubepods/cpu.max":      "300000 100000",
			"kubepods/pod1/cpu.max": "max 100000",
		}, "0::/kubepods/pod1\n", 3},
		{"v1 quota", map[string]string{
			"cpu,cpuacct/cpu.cfs_quota_us":  "250000\n",
			"cpu,cpuacct/cpu.cfs_period_us": "100000\n",
		}, "12:cpu,cpuacct:/\n3:memory:/\n", 3},
		{"v1 unlimited", map[string]string{
			"cpu/cpu.cfs_quota_us":  "-1",
			"cpu/cpu.cfs_period_us": "100000",
		}, "", 0},
		{"v1 without a membership line, combined mount", map[string]string{
			"cpuacct,cpu/cpu.cfs_quota_us":  "200000",
			"cpuacct,cpu/cpu.cfs_period_us": "100000",
		}, "", 2},
		{"v1 nested path", map[string]string{
			"cpu/docker/abc/cpu.cfs_quota_us":  "50000",
			"cpu/docker/abc/cpu.cfs_period_us": "100000",
		}, "5:cpu:/docker/abc\n", 1},
		{"garbage", map[string]string{"cpu.max": "lots\n"}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range tt.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			self := filepath.Join(t.TempDir(), "cgroup")
			if tt.self != "" {
				if err := os.WriteFile(self, []byte(tt.self), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, ok := (FS{Root: root}).CPULimit(self)
			if got != tt.want || ok != (tt.want > 0) {
				t.Errorf("CPULimit() = %d, %t; want %d", got, ok, tt.want)
			}
		})
	}
}
