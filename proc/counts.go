package proc

// Counts are what the fleet has done since the master started. They are
// the counters of the control socket's "show stats" and of the statsd and
// Prometheus metrics; like the rest of the fleet they belong to the
// master's goroutine, and a copy can go anywhere.
type Counts struct {
	Spawned      uint64 // workers started
	Stopped      uint64 // workers told to stop (the pipe's Stop, SIGTERM or SIGQUIT)
	Killed       uint64 // workers sent SIGKILL by the master
	Timeouts     uint64 // workers aborted for timeout (WORKER TIMEOUT)
	Recycled     uint64 // workers replaced for max_requests, max_worker_lifetime or max_worker_memory
	Stuck        uint64 // workers replaced for handlers stuck past request_timeout
	BootFailures uint64 // workers that exited before they were ready
	BootTimeouts uint64 // workers killed for not being ready within boot_timeout (also boot failures)
	Crashes      uint64 // workers that died on their own early (the crash brake counts them)
	OOMKilled    uint64 // workers the kernel's OOM killer killed, as their memory cgroup's counter says (oom.go)
	DeadlinesHit uint64 // requests that reached request_timeout, as the workers' heartbeats say
}
