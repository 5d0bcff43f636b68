package starcfg

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// cpuCounter answers cpu_count(): the CPUs this process may use, which in
// a container is the cgroup's CPU quota rather than the host's cores.
// Sizing workers from the host's count is the classic way to start 64
// workers in a container allowed 2 CPUs.
type cpuCounter struct {
	root   string     // where the cgroup file system is mounted
	self   string     // the process's cgroup membership file
	numCPU func() int // CPUs the scheduler offers
}

// hostCPUs reads the real cgroup files.
var hostCPUs = cpuCounter{
	root:   "/sys/fs/cgroup",
	self:   "/proc/self/cgroup",
	numCPU: runtime.NumCPU,
}

// count is the CPU quota rounded up, at most numCPU, at least 1.
func (c cpuCounter) count() int {
	n := c.numCPU()
	if limit, ok := c.limit(); ok && limit < n {
		n = limit
	}
	return max(n, 1)
}

// limit finds the tightest CPU quota on the path from the process's
// cgroup up to the root, trying cgroup v2 first, then v1.
func (c cpuCounter) limit() (int, bool) {
	v2, v1 := c.membership()
	if n, ok := walkUp(c.root, v2.path, c.readV2); ok {
		return n, true
	}
	for _, mount := range v1.mounts() {
		if n, ok := walkUp(filepath.Join(c.root, mount), v1.path, c.readV1); ok {
			return n, true
		}
	}
	return 0, false
}

// cgroupLine is one line of /proc/self/cgroup.
type cgroupLine struct {
	controllers string // "" for cgroup v2, "cpu,cpuacct" for v1
	path        string
}

// mounts are the directories a v1 cpu hierarchy is commonly mounted at.
func (l cgroupLine) mounts() []string {
	if l.controllers == "" {
		return []string{"cpu", "cpu,cpuacct", "cpuacct,cpu"}
	}
	return []string{l.controllers, "cpu"}
}

// membership reads the v2 and v1-cpu lines of the membership file; both
// default to the root, which is what a container with its own cgroup
// namespace sees.
func (c cpuCounter) membership() (v2, v1 cgroupLine) {
	v2, v1 = cgroupLine{path: "/"}, cgroupLine{path: "/"}
	data, err := os.ReadFile(c.self)
	if err != nil {
		return v2, v1
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2.path = parts[2]
		case hasController(parts[1], "cpu"):
			v1 = cgroupLine{controllers: parts[1], path: parts[2]}
		}
	}
	return v2, v1
}

// hasController reports whether a comma-separated list names want.
func hasController(list, want string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == want {
			return true
		}
	}
	return false
}

// walkUp applies read to dir and each parent up to root, keeping the
// smallest limit found.
func walkUp(root, path string, read func(dir string) (int, bool)) (int, bool) {
	best, found := 0, false
	for p := filepath.Clean("/" + path); ; p = filepath.Dir(p) {
		if n, ok := read(filepath.Join(root, p)); ok && (!found || n < best) {
			best, found = n, true
		}
		if p == "/" {
			return best, found
		}
	}
}

// readV2 reads cgroup v2's cpu.max: "QUOTA PERIOD" or "max PERIOD".
func (c cpuCounter) readV2(dir string) (int, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "cpu.max"))
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(data))
	if len(fields) != 2 || fields[0] == "max" {
		return 0, false
	}
	return quotaCPUs(fields[0], fields[1])
}

// readV1 reads cgroup v1's cpu.cfs_quota_us (-1: no limit) and
// cpu.cfs_period_us.
func (c cpuCounter) readV1(dir string) (int, bool) {
	quota, err1 := os.ReadFile(filepath.Join(dir, "cpu.cfs_quota_us"))
	period, err2 := os.ReadFile(filepath.Join(dir, "cpu.cfs_period_us"))
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return quotaCPUs(strings.TrimSpace(string(quota)), strings.TrimSpace(string(period)))
}

// quotaCPUs is ceil(quota/period), or false when there is no positive
// quota.
func quotaCPUs(quota, period string) (int, bool) {
	q, err1 := strconv.ParseInt(quota, 10, 64)
	p, err2 := strconv.ParseInt(period, 10, 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0, false
	}
	return int((q + p - 1) / p), true
}
