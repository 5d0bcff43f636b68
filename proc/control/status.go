package control

import (
	"syscall"
	"time"

	"github.com/gocorn/gocorn/starcfg"
)

// Master is the master as commands see and move it. The master's loop
// implements it and is the only caller: Execute runs there, so nothing
// here needs a lock.
type Master interface {
	// Status is the master now, copied.
	Status() Status

	// SetTarget sets how many workers to keep (worker add and remove).
	SetTarget(n int)

	// StopWorker stops the worker with pid gracefully, to be replaced
	// (worker kill); false when pid is none of its workers.
	StopWorker(pid int) bool

	// Signal has the master act on sig as on the signal itself, once the
	// reply is on its way: HUP (reload), USR1 (reopen), TERM and INT
	// (shutdown). It fails only when the master cannot take it now.
	Signal(sig syscall.Signal) error
}

// Status is what the show commands report: plain values, copied at Now.
type Status struct {
	PID        int
	Started    time.Time
	Now        time.Time
	Stopping   bool // a shutdown is under way: only show and shutdown still mean something
	Target     int  // how many workers the master keeps
	Generation int  // the configuration generation new workers run: 1 + the HUPs applied
	Reloads    int  // HUPs, applied or refused
	Failed     int  // HUPs whose configuration was refused
	Workers    []Worker
	Listeners  []Listener
	Counts     Counts
	Config     *starcfg.Config
	ProcName   string // proc_name, else the app's name, as process titles show it
}

// Worker is one worker process, as the master last heard from it.
type Worker struct {
	PID        int
	ID         int // spawn order: gunicorn's worker "age"
	Generation int
	State      string // booting, ready, retiring, stopping, aborting or killed
	Booted     bool   // it said it was ready
	Age        time.Duration
	SinceBeat  time.Duration // since its last message
	Requests   uint64        // served since it booted, as of its last heartbeat
	InFlight   int           // being served, as of its last heartbeat
	Oldest     *Running      // its oldest running request, if any
	RSS        int64         // resident bytes; -1 when unknown
}

// Running is a request a worker is serving.
type Running struct {
	Method string
	Path   string
	Age    time.Duration // as of now
}

// Listener is one listening socket.
type Listener struct {
	Address string // as gunicorn names it: http://127.0.0.1:8000, unix:/run/app.sock
	FD      int    // the master's file descriptor
	Type    string // tcp, tcp6 or unix
}

// Counts are what the master has done to its workers since it started
// (proc.Counts), in the control socket's words.
type Counts struct {
	Spawned      uint64 `json:"spawned"`
	Stopped      uint64 `json:"stopped"`
	Killed       uint64 `json:"killed"`
	Timeouts     uint64 `json:"timeouts"`
	Recycled     uint64 `json:"recycled"`
	Stuck        uint64 `json:"stuck"`
	BootFailures uint64 `json:"boot_failures"`
	BootTimeouts uint64 `json:"boot_timeouts"` // gocorn's boot_timeout kills (also boot failures)
	Crashes      uint64 `json:"crashes"`
	OOMKilled    uint64 `json:"oom_killed"` // by the kernel's OOM killer, as the cgroup's counter confirms
	DeadlinesHit uint64 `json:"deadlines_hit"`
}
