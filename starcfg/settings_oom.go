package starcfg

// oomSettings are the table entries of what the master does when the
// kernel's OOM killer kills a worker (issue 13), kept apart so the core
// table stays as it was.
var oomSettings = []*setting{
	{
		name: "exit_on_worker_oom", flags: []string{"exit-on-worker-oom"},
		typ: typeBool, def: false, section: secWorkers, reloadable: true,
		help: "Stop the master when the kernel's OOM killer kills a worker, gracefully (the " +
			"other workers drain as on TERM, after shutdown_delay), and exit with code 5. " +
			"The master names an OOM kill when the worker's memory cgroup counts it (oom_kill " +
			"in memory.events, or memory.oom_control on cgroup v1); a SIGKILL it cannot tie " +
			"to the OOM killer is only logged, and the worker replaced. Without it the master " +
			"replaces the worker and goes on, which hides memory trouble from an orchestrator " +
			"that restarts containers on it: it watches the container's main process, the " +
			"master, which stays up and healthy while its workers are killed one by one. " +
			"Every OOM kill is logged and counted (gunicorn.workers.oom_killed, and in gocorn " +
			"ctl's stats) either way. A gocorn setting.",
		field: func(c *Config) any { return &c.ExitOnWorkerOOM },
	},
}
