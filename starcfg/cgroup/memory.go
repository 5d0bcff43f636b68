package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Memory is a memory cgroup: the one whose OOM-kill counter counts the
// kills of a process, by the cgroup's own limit, an ancestor's, or the
// system-wide OOM killer. It is a plain value, to keep and compare.
type Memory struct {
	Root string // the hierarchy's mount: the v2 root, or v1's memory controller
	Path string // the cgroup, from Root
	V1   bool   // a v1 memory controller: memory.oom_control, memory.limit_in_bytes
}

// Dir is the cgroup's directory.
func (m Memory) Dir() string { return filepath.Join(m.Root, m.Path) }

// String names the cgroup as logs and errors do.
func (m Memory) String() string { return m.Dir() }

// Memory finds the memory cgroup of the process whose membership file is
// file: cgroup v2's when it has memory.events, else the v1 memory
// controller's when it has memory.oom_control. ok is false when neither
// is there: the v2 root cgroup, which has no counter, or no memory
// controller at all.
func (fs FS) Memory(file string) (m Memory, ok bool) {
	v2, v1 := membership(file, "memory")
	m = Memory{Root: fs.Root, Path: filepath.Clean("/" + v2.path)}
	if exists(filepath.Join(m.Dir(), "memory.events")) {
		return m, true
	}
	for _, mount := range v1.mounts("memory") {
		m = Memory{Root: filepath.Join(fs.Root, mount), Path: filepath.Clean("/" + v1.path), V1: true}
		if exists(filepath.Join(m.Dir(), "memory.oom_control")) {
			return m, true
		}
	}
	return Memory{}, false
}

// OOMKills is how many of the cgroup's processes OOM killers have killed
// since it was created: oom_kill in memory.events (v2) or
// memory.oom_control (v1, kernel 4.13 on).
func (m Memory) OOMKills() (uint64, error) {
	name := "memory.events"
	if m.V1 {
		name = "memory.oom_control"
	}
	return readKeyed(filepath.Join(m.Dir(), name), "oom_kill")
}

// Limit is the tightest memory limit on the path from the cgroup up to
// the root, in bytes: memory.max (v2) or memory.limit_in_bytes (v1). ok
// is false when there is none.
func (m Memory) Limit() (bytes int64, ok bool) {
	read := readMemoryMax
	if m.V1 {
		read = readLimitInBytes
	}
	return walkUp(m.Root, m.Path, read)
}

// readMemoryMax reads cgroup v2's memory.max: bytes, or "max".
func readMemoryMax(dir string) (int64, bool) {
	return readLimit(filepath.Join(dir, "memory.max"))
}

// readLimitInBytes reads cgroup v1's memory.limit_in_bytes, where no
// limit reads as the largest multiple of the page size (about 2^63).
func readLimitInBytes(dir string) (int64, bool) {
	return readLimit(filepath.Join(dir, "memory.limit_in_bytes"))
}

// unlimited: a limit this high (v1's "no limit", 2^63 less a page) is
// none.
const unlimited = 1 << 62

// readLimit reads a byte count from file; "max", garbage and unlimited
// values are no limit.
func readLimit(file string) (int64, bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n <= 0 || n >= unlimited {
		return 0, false
	}
	return n, true
}

// VMStat is the kernel's counters of the whole machine.
const VMStat = "/proc/vmstat"

// SystemOOMKills is how many processes OOM killers have killed on the
// machine since it booted (oom_kill in /proc/vmstat, kernel 4.13 on),
// whatever their cgroup: it says one was killed, not which.
func SystemOOMKills(vmstat string) (uint64, error) {
	return readKeyed(vmstat, "oom_kill")
}

// readKeyed reads the counter key of the flat-keyed file.
func readKeyed(file, key string) (uint64, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	n, ok := keyed(data, key)
	if !ok {
		return 0, fmt.Errorf("%s has no %s counter", file, key)
	}
	return n, nil
}

// exists tells whether file can be found.
func exists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}
