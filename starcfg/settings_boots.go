package starcfg

// BootConfig holds the settings that pace workers' boots (issue 13): how
// long a worker may take to say it is ready, and how many may boot at
// once. It is embedded in Config.
type BootConfig struct {
	BootTimeout        float64 `json:"boot_timeout"`         // seconds; 0 = no limit
	MaxConcurrentBoots int     `json:"max_concurrent_boots"` // 0 = no limit
}

// bootSettings are the table entries of BootConfig. Both are read by the
// master only, so a HUP applies them at once, to the workers it starts
// from then on.
var bootSettings = []*setting{
	{
		name: "boot_timeout", flags: []string{"boot-timeout"}, metavar: "SECONDS",
		typ: typeSeconds, def: 0.0, section: secWorkers, reloadable: true,
		help: "Seconds (fractions allowed) a worker may take from its start to ready: post_fork, " +
			"building the app (opening its pools), post_worker_init. A worker still booting then " +
			"is killed (SIGKILL: it serves nothing yet) and counts as a worker that failed to " +
			"boot: before any worker has served, the master exits with code 3; during a HUP the " +
			"working generation keeps serving. A worker waiting for max_concurrent_boots has not " +
			"started, so its wait does not count. timeout only applies once a worker is ready. " +
			"0, the default, waits for ever, as gunicorn does: an app that loads for minutes " +
			"keeps working, and a supervisor bounds the start (systemd's TimeoutStartSec, a " +
			"startupProbe). A gocorn setting.",
		field: func(c *Config) any { return &c.BootTimeout },
	},
	{
		name: "max_concurrent_boots", flags: []string{"max-concurrent-boots"}, metavar: "INT",
		typ: typeInt, def: 0, check: atLeast(0), section: secWorkers, reloadable: true,
		help: "At most this many workers booting at once, at start, on TTIN, on HUP and when " +
			"workers are replaced (max_requests, timeouts, crashes), so workers that each open " +
			"database pools do not stampede the database. The others start as booting ones " +
			"become ready or exit. On HUP the workers roll in groups of this size, the old ones " +
			"serving until each replacement is ready. 0, the default, starts every worker at " +
			"once. A gocorn setting.",
		field: func(c *Config) any { return &c.MaxConcurrentBoots },
	},
}
