package starcfg

import (
	"runtime"

	"github.com/gocorn/gocorn/starcfg/cgroup"
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
	root:   cgroup.Host.Root,
	self:   cgroup.SelfFile,
	numCPU: runtime.NumCPU,
}

// count is the CPU quota rounded up (package cgroup reads it), at most
// numCPU, at least 1.
func (c cpuCounter) count() int {
	n := c.numCPU()
	if limit, ok := (cgroup.FS{Root: c.root}).CPULimit(c.self); ok && limit < n {
		n = limit
	}
	return max(n, 1)
}
