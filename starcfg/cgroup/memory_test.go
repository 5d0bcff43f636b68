package cgroup

import (
	"path/filepath"
	"testing"
)

// The memory cgroup, its OOM-kill counter and its binding limit are found
// in each layout a worker meets: cgroup v2 nested (Kubernetes), v2 unit
// without a limit (systemd), v2 seen from its own namespace (a container),
// v1 on a hybrid host, and none at all.
func TestMemory(t *testing.T) {
	for _, tc := range []struct {
		layout string
		ok     bool
		dir    string // from the layout's fs
		v1     bool
		kills  uint64
		limit  int64 // 0: none
	}{
		{"v2", true, "kubepods/pod1/app", false, 1, 512 << 20},
		{"v2-unlimited", true, "system.slice/app.service", false, 0, 0},
		{"v2-namespace", true, "", false, 3, 256 << 20},
		{"v2-root", false, "", false, 0, 0},
		{"v1", true, "memory/process_api/abc", true, 2, 64 << 20},
		{"v1-no-memory", false, "", false, 0, 0},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			root := filepath.Join("testdata", tc.layout)
			fs := FS{Root: filepath.Join(root, "fs")}
			m, ok := fs.Memory(filepath.Join(root, "cgroup"))
			if ok != tc.ok {
				t.Fatalf("Memory() ok = %t, want %t (%+v)", ok, tc.ok, m)
			}
			if !ok {
				return
			}
			if want := filepath.Join(fs.Root, tc.dir); m.Dir() != want || m.V1 != tc.v1 {
				t.Errorf("Memory() = %s (v1 %t), want %s (v1 %t)", m.Dir(), m.V1, want, tc.v1)
			}
			if n, err := m.OOMKills(); err != nil || n != tc.kills {
				t.Errorf("OOMKills() = %d, %v; want %d", n, err, tc.kills)
			}
			limit, ok := m.Limit()
			if limit != tc.limit || ok != (tc.limit > 0) {
				t.Errorf("Limit() = %d, %t; want %d", limit, ok, tc.limit)
			}
		})
	}
}

// A missing membership file leaves the root, as a cgroup namespace shows it.
func TestMemoryWithoutMembershipFile(t *testing.T) {
	fs := FS{Root: filepath.Join("testdata", "v2-namespace", "fs")}
	m, ok := fs.Memory(filepath.Join("testdata", "no-such-file"))
	if !ok || m.Path != "/" {
		t.Errorf("Memory() = %+v, %t; want the root", m, ok)
	}
}

func TestOOMKillsErrors(t *testing.T) {
	if _, err := (Memory{Root: "testdata/v2-root/fs", Path: "/"}).OOMKills(); err == nil {
		t.Error("OOMKills() of a cgroup without memory.events: no error")
	}
	_, err := readKeyed("testdata/v2/fs/kubepods/memory.max", "oom_kill")
	if want := "testdata/v2/fs/kubepods/memory.max has no oom_kill counter"; err == nil || err.Error() != want {
		t.Errorf("readKeyed() error = %v, want %s", err, want)
	}
}

func TestSystemOOMKills(t *testing.T) {
	if n, err := SystemOOMKills("testdata/vmstat"); err != nil || n != 7 {
		t.Errorf("SystemOOMKills() = %d, %v; want 7", n, err)
	}
}

// This machine's files read without error when they are there.
func TestHost(t *testing.T) {
	m, ok := Host.Memory(SelfFile)
	if !ok {
		t.Skip("no memory cgroup here")
	}
	if _, err := m.OOMKills(); err != nil {
		t.Errorf("OOMKills() of %s: %v", m, err)
	}
}
