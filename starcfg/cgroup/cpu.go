package cgroup

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CPULimit is the tightest CPU quota on the path from the cgroup of the
// process whose membership file is file up to the root, in whole CPUs
// rounded up: cgroup v2's cpu.max first, then v1's cpu controller. ok is
// false when no quota is set.
func (fs FS) CPULimit(file string) (cpus int, ok bool) {
	v2, v1 := membership(file, "cpu")
	if n, ok := walkUp(fs.Root, v2.path, readCPUMax); ok {
		return int(n), true
	}
	for _, mount := range append(v1.mounts("cpu"), "cpu,cpuacct", "cpuacct,cpu") {
		if n, ok := walkUp(filepath.Join(fs.Root, mount), v1.path, readCFSQuota); ok {
			return int(n), true
		}
	}
	return 0, false
}

// readCPUMax reads cgroup v2's cpu.max: "QUOTA PERIOD" or "max PERIOD".
func readCPUMax(dir string) (int64, bool) {
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

// readCFSQuota reads cgroup v1's cpu.cfs_quota_us (-1: no limit) and
// cpu.cfs_period_us.
func readCFSQuota(dir string) (int64, bool) {
	quota, err1 := os.ReadFile(filepath.Join(dir, "cpu.cfs_quota_us"))
	period, err2 := os.ReadFile(filepath.Join(dir, "cpu.cfs_period_us"))
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return quotaCPUs(strings.TrimSpace(string(quota)), strings.TrimSpace(string(period)))
}

// quotaCPUs is ceil(quota/period), or false when there is no positive
// quota.
func quotaCPUs(quota, period string) (int64, bool) {
	q, err1 := strconv.ParseInt(quota, 10, 64)
	p, err2 := strconv.ParseInt(period, 10, 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0, false
	}
	return (q + p - 1) / p, true
}
