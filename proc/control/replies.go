package control

import (
	"math"
	"slices"
	"time"
)

// The replies' shapes. Each starts with gunicorn 26's keys, in its order,
// so tools written for gunicornc read them unchanged; gocorn's own keys
// follow, and gunicorn's tools ignore them.

// WorkersReply answers show workers.
type WorkersReply struct {
	Workers []WorkerReply `json:"workers"`
	Count   int           `json:"count"`
}

// WorkerReply is one worker in show workers.
type WorkerReply struct {
	PID           int      `json:"pid"`
	Age           int      `json:"age"` // spawn order, as gunicorn's
	Booted        bool     `json:"booted"`
	Aborted       bool     `json:"aborted"`
	LastHeartbeat *float64 `json:"last_heartbeat"` // seconds
	WorkerExtras
}

// WorkerExtras are what gocorn knows of a worker beyond gunicorn's keys.
type WorkerExtras struct {
	State         string        `json:"state"`
	Generation    int           `json:"generation"`
	Uptime        float64       `json:"uptime"` // seconds since it was started
	Requests      uint64        `json:"requests"`
	InFlight      int           `json:"in_flight"`
	OldestRequest *RequestReply `json:"oldest_request"`
	RSS           *int64        `json:"rss"` // bytes
}

// RequestReply is a running request.
type RequestReply struct {
	Method string  `json:"method"`
	Path   string  `json:"path"`
	Age    float64 `json:"age"` // seconds
}

// StatsReply answers show stats.
type StatsReply struct {
	Uptime          *float64 `json:"uptime"` // seconds
	PID             int      `json:"pid"`
	WorkersCurrent  int      `json:"workers_current"`
	WorkersTarget   int      `json:"workers_target"`
	WorkersSpawned  uint64   `json:"workers_spawned"`
	WorkersKilled   uint64   `json:"workers_killed"` // told to stop, aborted or killed, as gunicorn counts its signals
	Reloads         int      `json:"reloads"`
	DirtyArbiterPID *int     `json:"dirty_arbiter_pid"` // always null: gocorn has no dirty arbiter

	Generation    int    `json:"generation"`
	ReloadsFailed int    `json:"reloads_failed"`
	Counts        Counts `json:"counts"`
}

// ListenersReply answers show listeners.
type ListenersReply struct {
	Listeners []ListenerReply `json:"listeners"`
	Count     int             `json:"count"`
}

// ListenerReply is one listening socket.
type ListenerReply struct {
	Address string `json:"address"`
	FD      int    `json:"fd"`
	Type    string `json:"type"`
}

// AllReply answers show all.
type AllReply struct {
	Arbiter          ProcessReply     `json:"arbiter"`
	WebWorkers       []WebWorkerReply `json:"web_workers"`
	WebWorkerCount   int              `json:"web_worker_count"`
	DirtyArbiter     *ProcessReply    `json:"dirty_arbiter"`
	DirtyWorkers     []WebWorkerReply `json:"dirty_workers"`
	DirtyWorkerCount int              `json:"dirty_worker_count"`
}

// ProcessReply is the master in show all.
type ProcessReply struct {
	PID  int    `json:"pid"`
	Type string `json:"type"`
	Role string `json:"role"`
}

// WebWorkerReply is one worker in show all.
type WebWorkerReply struct {
	PID           int      `json:"pid"`
	Type          string   `json:"type"`
	Age           int      `json:"age"`
	Booted        bool     `json:"booted"`
	LastHeartbeat *float64 `json:"last_heartbeat"`
	WorkerExtras
}

// DirtyReply answers show dirty: gocorn runs no dirty arbiter (gunicorn's
// pools of Python apps), so it answers as gunicorn does with it off.
type DirtyReply struct {
	Enabled bool     `json:"enabled"`
	PID     *int     `json:"pid"`
	Workers []string `json:"workers"`
	Apps    []string `json:"apps"`
}

// ConfigReply answers show config: gunicorn's keys (the dirty ones with
// gunicorn's values for "off"), then gocorn's.
type ConfigReply struct {
	Bind                 []string `json:"bind"`
	Workers              int      `json:"workers"`
	WorkerClass          string   `json:"worker_class"`
	Threads              int      `json:"threads"`
	Timeout              int      `json:"timeout"`
	GracefulTimeout      int      `json:"graceful_timeout"`
	Keepalive            int      `json:"keepalive"`
	MaxRequests          int      `json:"max_requests"`
	MaxRequestsJitter    int      `json:"max_requests_jitter"`
	WorkerConnections    int      `json:"worker_connections"`
	PreloadApp           bool     `json:"preload_app"`
	Daemon               bool     `json:"daemon"`
	Pidfile              *string  `json:"pidfile"`
	ProcName             string   `json:"proc_name"`
	Reload               bool     `json:"reload"`
	DirtyWorkers         int      `json:"dirty_workers"`
	DirtyApps            []string `json:"dirty_apps"`
	DirtyTimeout         int      `json:"dirty_timeout"`
	ControlSocket        string   `json:"control_socket"`
	ControlSocketDisable bool     `json:"control_socket_disable"`

	App               string  `json:"app"`
	RequestTimeout    float64 `json:"request_timeout"`
	MaxWorkerLifetime int     `json:"max_worker_lifetime"`
	MaxWorkerMemory   int     `json:"max_worker_memory"`
	ShutdownDelay     int     `json:"shutdown_delay"`
	ControlSocketMode int     `json:"control_socket_mode"`
	ConfigFile        *string `json:"config"`
}

// gunicornDirtyTimeout is gunicorn's default dirty_timeout, shown as the
// value of a pool gocorn does not have.
const gunicornDirtyTimeout = 300

// WorkerAddReply answers worker add.
type WorkerAddReply struct {
	Added    int `json:"added"`
	Previous int `json:"previous"`
	Total    int `json:"total"`
}

// WorkerRemoveReply answers worker remove.
type WorkerRemoveReply struct {
	Removed  int `json:"removed"`
	Previous int `json:"previous"`
	Total    int `json:"total"`
}

// KillReply answers worker kill, and dirty add and remove.
type KillReply struct {
	Success bool   `json:"success"`
	Killed  int    `json:"killed,omitempty"`
	Error   string `json:"error,omitempty"`
}

// StatusReply answers reload, reopen and shutdown.
type StatusReply struct {
	Status string `json:"status"`
	Mode   string `json:"mode,omitempty"`
}

// HelpReply answers help.
type HelpReply struct {
	Commands map[string]string `json:"commands"`
}

// seconds is d in seconds, rounded to two decimals as gunicorn's replies.
func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*100) / 100 }

func ptr[T any](v T) *T { return &v }

// byAge lists the workers oldest first, as gunicorn sorts them.
func byAge(ws []Worker) []Worker {
	return slices.SortedFunc(slices.Values(ws), func(a, b Worker) int { return a.ID - b.ID })
}

func workersReply(st Status) WorkersReply {
	list := make([]WorkerReply, 0, len(st.Workers))
	for _, w := range byAge(st.Workers) {
		list = append(list, WorkerReply{
			PID: w.PID, Age: w.ID, Booted: w.Booted, Aborted: aborted(w),
			LastHeartbeat: ptr(seconds(w.SinceBeat)), WorkerExtras: extras(w),
		})
	}
	return WorkersReply{Workers: list, Count: len(list)}
}

// aborted tells whether the master gave up on w: it timed out, or was
// killed.
func aborted(w Worker) bool { return w.State == "aborting" || w.State == "killed" }

func extras(w Worker) WorkerExtras {
	x := WorkerExtras{
		State: w.State, Generation: w.Generation, Uptime: seconds(w.Age),
		Requests: w.Requests, InFlight: w.InFlight,
	}
	if r := w.Oldest; r != nil {
		x.OldestRequest = &RequestReply{Method: r.Method, Path: r.Path, Age: seconds(r.Age)}
	}
	if w.RSS >= 0 {
		x.RSS = ptr(w.RSS)
	}
	return x
}

func statsReply(st Status) StatsReply {
	c := st.Counts
	return StatsReply{
		Uptime: ptr(seconds(st.Now.Sub(st.Started))), PID: st.PID,
		WorkersCurrent: len(st.Workers), WorkersTarget: st.Target,
		WorkersSpawned: c.Spawned, WorkersKilled: c.Stopped + c.Timeouts + c.Killed,
		Reloads: st.Reloads, Generation: st.Generation, ReloadsFailed: st.Failed, Counts: c,
	}
}

func listenersReply(st Status) ListenersReply {
	list := make([]ListenerReply, len(st.Listeners))
	for i, l := range st.Listeners {
		list[i] = ListenerReply(l)
	}
	return ListenersReply{Listeners: list, Count: len(list)}
}

func allReply(st Status) AllReply {
	list := make([]WebWorkerReply, 0, len(st.Workers))
	for _, w := range byAge(st.Workers) {
		list = append(list, WebWorkerReply{
			PID: w.PID, Type: "web", Age: w.ID, Booted: w.Booted,
			LastHeartbeat: ptr(seconds(w.SinceBeat)), WorkerExtras: extras(w),
		})
	}
	return AllReply{
		Arbiter:    ProcessReply{PID: st.PID, Type: "arbiter", Role: "master"},
		WebWorkers: list, WebWorkerCount: len(list),
		DirtyWorkers: []WebWorkerReply{},
	}
}

func dirtyReply() DirtyReply { return DirtyReply{Workers: []string{}, Apps: []string{}} }

func configReply(st Status) ConfigReply {
	c := st.Config
	r := ConfigReply{
		Bind: slices.Clone(c.Bind), Workers: c.Workers, WorkerClass: c.WorkerClass, Threads: c.Threads,
		Timeout: c.Timeout, GracefulTimeout: c.GracefulTimeout, Keepalive: c.Keepalive,
		MaxRequests: c.MaxRequests, MaxRequestsJitter: c.MaxRequestsJitter,
		WorkerConnections: c.WorkerConnections, Daemon: c.Daemon, ProcName: st.ProcName,
		Reload: c.Reload, DirtyApps: []string{}, DirtyTimeout: gunicornDirtyTimeout,
		ControlSocket: c.ControlSocket, ControlSocketDisable: c.ControlSocketDisable,

		App: c.App, RequestTimeout: c.RequestTimeout, MaxWorkerLifetime: c.MaxWorkerLifetime,
		MaxWorkerMemory: c.MaxWorkerMemory, ShutdownDelay: c.ShutdownDelay,
		ControlSocketMode: c.ControlSocketMode,
	}
	if c.Pidfile != "" {
		r.Pidfile = ptr(c.Pidfile)
	}
	if c.Config != "" {
		r.ConfigFile = ptr(c.Config)
	}
	return r
}

// helpText describes each command gunicorn 26 knows, under gunicorn's
// syntax for it (the keys tools may read); show dirty and the dirty
// commands answer as gunicorn does with no dirty arbiter.
var helpText = map[string]string{
	"show all":                  "The master and its workers",
	"show workers":              "The workers, oldest first: state, heartbeat, requests, memory",
	"show dirty":                "gunicorn's dirty arbiter: never running in gocorn",
	"show config":               "The main settings in force",
	"show stats":                "Uptime, worker counts, reloads and what the master did to workers",
	"show listeners":            "The listening sockets",
	"worker add [N]":            "Keep N more workers (1 if N is left out)",
	"worker remove [N]":         "Keep N fewer workers, at least 1; the oldest stop gracefully",
	"worker kill <PID>":         "Stop that worker gracefully; a new one replaces it",
	"dirty add [N]":             "gunicorn's dirty workers: refused, gocorn has none",
	"dirty remove [N]":          "gunicorn's dirty workers: refused, gocorn has none",
	"reload":                    "Reload the configuration and replace the workers, as HUP",
	"reopen":                    "Reopen the log files, as USR1",
	"shutdown [graceful|quick]": "Stop the server: graceful as TERM (default), quick as INT",
	"help":                      "This list",
}
