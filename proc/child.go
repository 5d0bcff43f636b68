package proc

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/instrument/metrics"
	"github.com/gocorn/gocorn/instrument/statsd"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/server/proxy"
	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
)

// bootWait bounds how long a new worker waits for its boot message.
const bootWait = 30 * time.Second

// runWorker is the life of a worker process: receive the boot message,
// load the app, serve, report to the master, and stop when told to or when
// the master is gone. It returns the exit code.
func runWorker(apps server.Apps) int {
	// Signals first: a TERM or USR1 during boot must not kill the worker
	// the Go way (their default action ends the process).
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGABRT)
	signal.Ignore(syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGWINCH, syscall.SIGHUP)

	conn, err := openPipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", theProgram.Name, err)
		return exitUsage
	}
	defer conn.Close()
	boot, err := receiveBoot(conn)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: worker: %v\n", theProgram.Name, err)
		return exitBoot
	}
	if err := workerpipe.CheckProtocol(boot.Protocol, "master"); err != nil {
		// Said before anything else: this binary may misread the rest.
		fmt.Fprintf(os.Stderr, "%s: worker (pid %d): %v\n", theProgram.Name, os.Getpid(), err)
		conn.Send(workerpipe.Message{Kind: workerpipe.KindFailed, Reason: err.Error(), Protocol: workerpipe.Protocol})
		return exitBoot
	}
	currentConfig.Store(boot.Config)
	l, err := openLogs(boot.Config, true)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: worker: %v\n", theProgram.Name, err)
		return exitBoot
	}
	defer l.close()
	w := &child{conn: conn, boot: boot, logs: l}
	w.statsd.Replace(newStatsd(boot.Config, l.log))
	defer w.statsd.Replace(nil) // sends what is buffered
	w.log = countingLog(l.log, &w.statsd)
	slog.SetDefault(w.log) // the app's log and slog output, in the error log's lines
	code := w.run(apps, sigs)
	w.finalBeat()
	w.log.Info(fmt.Sprintf("Worker exiting (pid: %d)", os.Getpid()))
	w.hooks.WorkerExit(w.hookMaster, w.hookSelf)
	return code
}

// openPipe adopts fd 3. Started by hand, without a master, the process
// gets a message saying what it is instead of a crash.
func openPipe() (*workerpipe.Conn, error) {
	f := os.NewFile(workerpipe.FD, "gocorn worker pipe")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("this process was started as a gocorn worker (%s is set), "+
			"but it has no pipe to a master on fd %d; start gocorn without %s",
			workerpipe.EnvVar, workerpipe.FD, workerpipe.EnvVar)
	}
	return workerpipe.NewConn(c), nil
}

func receiveBoot(conn *workerpipe.Conn) (*workerpipe.Boot, error) {
	got := make(chan workerpipe.Message, 1)
	errc := make(chan error, 1)
	go func() {
		msg, err := conn.Receive()
		if err != nil {
			errc <- err
			return
		}
		got <- msg
	}()
	select {
	case msg := <-got:
		if msg.Kind != workerpipe.KindBoot || msg.Boot == nil || msg.Boot.Config == nil {
			return nil, fmt.Errorf("the master's first message is %q, not a boot message", msg.Kind)
		}
		return msg.Boot, nil
	case err := <-errc:
		return nil, fmt.Errorf("reading the boot message: %w", err)
	case <-time.After(bootWait):
		return nil, fmt.Errorf("no boot message from the master within %s", bootWait)
	}
}

// child is a worker process's own state.
type child struct {
	conn *workerpipe.Conn
	boot *workerpipe.Boot
	logs *logs
	log  *slog.Logger
	srv  *server.Server

	stuckSaid bool // the master was told of handlers stuck past request_timeout

	served metrics.Recorder // every response, for the heartbeats (the master's /metrics)
	statsd statsd.Sink      // gunicorn's request metrics, when statsd_host is set

	hooks      *hookrun.Runner // this generation's hooks; nil without a config file
	hookSelf   *hookrun.Worker
	hookMaster *hookrun.Master
}

func (c *child) run(apps server.Apps, sigs chan os.Signal) int {
	c.log.Info(fmt.Sprintf("Booting worker with pid: %d", os.Getpid()))
	runtime.GOMAXPROCS(gomaxprocs(c.boot.Config, runtime.GOMAXPROCS(0)))

	srv, err := c.start(apps)
	if err != nil {
		// Tell the master why, so its log (and its exit reason, when no
		// worker ever booted) says more than an exit code.
		c.conn.Send(workerpipe.Message{Kind: workerpipe.KindFailed, Reason: err.Error(), Protocol: workerpipe.Protocol})
		return err.code
	}
	c.srv = srv
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	if err := c.conn.Send(workerpipe.Message{Kind: workerpipe.KindReady, Version: runningVersion(), Protocol: workerpipe.Protocol}); err != nil {
		c.log.Error(err.Error())
		srv.Close()
		return exitBoot
	}
	return c.loop(sigs, served)
}

// bootError is why a worker could not boot, with gunicorn's exit code:
// 3 for a boot error, 4 when the app failed to load.
type bootError struct {
	code int
	msg  string
}

func (e *bootError) Error() string { return e.msg }

// failBoot logs err (unless a hook already did) and wraps it with code.
func (c *child) failBoot(code int, err error, logged bool) *bootError {
	if !logged {
		c.log.Error(err.Error())
	}
	return &bootError{code: code, msg: err.Error()}
}

// start runs post_fork, inherits the sockets, builds the app, runs
// post_worker_init and returns the server, not yet serving.
func (c *child) start(apps server.Apps) (*server.Server, *bootError) {
	cfg := c.boot.Config
	if err := c.loadHooks(); err != nil {
		return nil, c.failBoot(exitBoot, err, false)
	}
	if err := c.hooks.PostFork(c.hookMaster, c.hookSelf); err != nil {
		return nil, c.failBoot(exitBoot, err, true)
	}
	listeners, err := inheritListeners(c.boot.Listeners)
	if err != nil {
		return nil, c.failBoot(exitBoot, err, false)
	}
	handler, err := loadApp(apps, cfg.App)
	if err != nil {
		return nil, c.failBoot(exitAppLoad, err, false)
	}
	if err := c.hooks.PostWorkerInit(c.hookSelf); err != nil {
		return nil, c.failBoot(exitBoot, err, true)
	}
	c.hookSelf.Booted = time.Now()
	opts, err := serverOptions(cfg, c.boot.TLS)
	if err != nil {
		return nil, c.failBoot(exitBoot, err, false)
	}
	opts.Handler, opts.Listeners, opts.ErrorLog = handler, listeners, c.log
	opts.AccessLog = c.logs.accessOut()
	opts.MaxRequests, opts.OnRetire = c.boot.MaxRequests, c.retire
	opts.Observe = c.observe
	c.requestHooks(&opts)
	srv, err := server.New(opts)
	if err != nil {
		return nil, c.failBoot(exitBoot, err, false)
	}
	return srv, nil
}

// loadHooks evaluates the config sources the master sent, never the files
// on disk, so this worker runs exactly the master's generation of hooks.
func (c *child) loadHooks() error {
	cfg := c.boot.Config
	c.hookSelf = &hookrun.Worker{PID: os.Getpid(), ID: c.boot.ID, Config: cfg, Log: c.log}
	c.hookMaster = &hookrun.Master{PID: os.Getppid(), NumWorkers: cfg.Workers, Config: cfg, Log: c.log}
	ev := &starcfg.Evaluated{}
	if len(c.boot.Sources) > 0 {
		var err error
		if ev, err = starcfg.EvalSources(c.boot.Sources, os.Environ(), os.Stderr); err != nil {
			return fmt.Errorf("evaluating the master's config sources: %w", err)
		}
	}
	c.hooks = hookrun.New(ev.Hooks, c.log, hookrun.RequestView{Scheme: proxy.Scheme, Environ: server.Environ}).
		WithGo(theProgram.Hooks)
	return nil
}

// requestHooks hands the config's pre_request and post_request hooks, if
// it has them, to the server.
func (c *child) requestHooks(o *server.Options) {
	if c.hooks.Has("pre_request") {
		o.PreRequest = func(r *http.Request) http.Header { return c.hooks.PreRequest(c.hookSelf, r) }
	}
	if c.hooks.Has("post_request") {
		o.PostRequest = func(r *http.Request, d server.Done) {
			c.hooks.PostRequest(c.hookSelf, r, &hookrun.Response{
				Status: d.Status, Header: d.Header, Bytes: d.Bytes, Duration: d.Duration,
			})
		}
	}
}

// abort is the worker's end after the master's SIGABRT (a timeout): it
// writes every goroutine's stack to the error log, so the hang can be
// found, then runs worker_abort.
func (c *child) abort() int {
	c.log.Error(fmt.Sprintf("Worker (pid:%d) aborted by the master; its goroutines:\n%s", os.Getpid(), server.GoroutineDump()))
	c.hooks.WorkerAbort(c.hookSelf)
	return 1
}

// loop reports heartbeats and waits for a reason to stop.
func (c *child) loop(sigs chan os.Signal, served chan error) int {
	stops := make(chan workerpipe.Message, 1)
	masterGone := make(chan struct{})
	go c.listen(stops, masterGone)
	beat := time.NewTicker(beatInterval(c.boot.Config.Timeout))
	defer beat.Stop()
	for {
		// Signals first: a USR1 that came just before a stop must still
		// reopen the logs the stop's last lines go to.
		select {
		case sig := <-sigs:
			if code, done := c.onSignal(sig); done {
				return code
			}
			continue
		default:
		}
		select {
		case <-beat.C:
			c.sendBeat()
		case msg := <-stops:
			return c.drain(msg.EmptyQueue)
		case sig := <-sigs:
			if code, done := c.onSignal(sig); done {
				return code
			}
		case <-masterGone:
			// Nobody else may accept on the sockets any more.
			c.log.Warn("The master is gone; shutting down")
			return c.drain(true)
		case err := <-served:
			if err != nil {
				c.log.Error("Serving stopped: " + err.Error())
				return exitBoot
			}
			return exitOK
		}
	}
}

// onSignal handles a signal to the worker; done says it stopped, with code.
func (c *child) onSignal(sig os.Signal) (code int, done bool) {
	switch sig {
	case syscall.SIGUSR1:
		if err := c.logs.reopen(); err != nil {
			c.log.Error("Reopening log files: " + err.Error())
		}
		return 0, false
	case syscall.SIGTERM:
		return c.drain(false), true
	case syscall.SIGABRT:
		return c.abort(), true
	default: // INT, QUIT: quick stop
		c.hooks.WorkerInt(c.hookSelf)
		c.srv.Close()
		return exitOK, true
	}
}

// listen reads the master's messages: Stop goes to stops; EOF (the master
// died) closes masterGone.
func (c *child) listen(stops chan<- workerpipe.Message, masterGone chan<- struct{}) {
	for {
		msg, err := c.conn.Receive()
		if err != nil {
			close(masterGone)
			return
		}
		switch msg.Kind {
		case workerpipe.KindStop:
			select {
			case stops <- msg:
			default: // a stop is already pending
			}
		case workerpipe.KindTicketKeys:
			c.srv.SetTicketKeys(msg.TicketKeys)
		}
	}
}

func (c *child) sendBeat() {
	s := c.beat()
	if len(s.Stuck) > 0 && !c.stuckSaid {
		c.stuckSaid = true
		c.log.Error(fmt.Sprintf("Handlers still running request_timeout (%s) past their deadline, ignoring their context: %s; "+
			"asking the master for a replacement", requestTimeout(c.boot.Config), describeRequests(s.Stuck)))
		c.conn.Send(workerpipe.Message{Kind: workerpipe.KindStuck, Stuck: s.Stuck})
	}
}

// beat sends a heartbeat and returns the stats it reported.
func (c *child) beat() server.Stats {
	s := c.srv.Stats()
	served := c.served.Totals()
	c.conn.Send(workerpipe.Message{Kind: workerpipe.KindBeat, Beat: &workerpipe.Beat{
		InFlight: s.InFlight, Requests: s.Requests, Handlers: s.Handlers, Running: s.Running,
		AllBusyFor: s.AllBusyFor, Longest: s.Longest, DeadlinesHit: s.DeadlinesHit, Served: &served,
	}})
	return s
}

// finalBeat tells the master, as the worker leaves, what it served since
// its last heartbeat, so the master's counters miss none of its requests.
func (c *child) finalBeat() {
	if c.srv != nil {
		c.beat()
	}
}

// observe counts a response for the heartbeats and sends its statsd
// metrics: server.Options.Observe.
func (c *child) observe(status int, d time.Duration) {
	c.served.Observe(status, d)
	c.statsd.Client().Request(status, d)
}

// logStuck writes the stuck handlers' stacks to the error log, as the
// worker leaves.
func (c *child) logStuck() {
	for _, h := range c.srv.Stuck() {
		c.log.Error(fmt.Sprintf("Request %s %s is still running after %s, past request_timeout; its goroutine:\n%s",
			h.Method, h.Path, h.Age.Round(100*time.Millisecond), h.Stack))
	}
}

// drain stops accepting and lets in-flight requests finish within
// graceful_timeout. With emptyQueue it first serves what is still queued
// on the sockets, because no other process will.
func (c *child) drain(emptyQueue bool) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(c.boot.Config.GracefulTimeout)*time.Second)
	defer cancel()
	go c.beatUntil(ctx) // a drain longer than timeout is progress, not a hang
	shutdown := c.srv.Shutdown
	if emptyQueue {
		shutdown = c.srv.ShutdownEmptyingQueue
	}
	if err := shutdown(ctx); err != nil {
		c.log.Warn("Graceful shutdown cut short: " + err.Error())
	}
	c.logStuck()
	return exitOK
}

// beatUntil sends heartbeats until ctx ends.
func (c *child) beatUntil(ctx context.Context) {
	beat := time.NewTicker(beatInterval(c.boot.Config.Timeout))
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			c.sendBeat()
		}
	}
}

// retire asks the master for a replacement once max_requests is reached.
func (c *child) retire() {
	c.log.Info("Autorestarting worker after current request.")
	c.conn.Send(workerpipe.Message{Kind: workerpipe.KindRetire, Reason: "max_requests reached"})
}

// gomaxprocs is a worker's GOMAXPROCS: the gomaxprocs setting, or for 0
// the CPUs Go would use (cpus: its default, which follows the cgroup
// limit) shared among the workers, at least 1.
func gomaxprocs(cfg *starcfg.Config, cpus int) int {
	if cfg.GOMAXPROCS > 0 {
		return cfg.GOMAXPROCS
	}
	return max(1, cpus/max(cfg.Workers, 1))
}

// beatInterval is how often a worker reports: every second, or faster for
// timeouts under four seconds, so one late beat never looks like a hang.
func beatInterval(timeout int) time.Duration {
	d := time.Second
	if timeout > 0 {
		d = min(d, time.Duration(timeout)*time.Second/4)
	}
	return max(d, 50*time.Millisecond)
}

// inheritListeners turns fds 4.. into listeners, in the master's order.
func inheritListeners(names []string) ([]net.Listener, error) {
	ls := make([]net.Listener, 0, len(names))
	for i, name := range names {
		f := os.NewFile(uintptr(workerpipe.FirstListenerFD+i), name)
		l, err := net.FileListener(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("inheriting listener %s: %w", name, err)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// loadApp builds the app's handler; a panic in the app's constructor is a
// load error like any other.
func loadApp(apps server.Apps, name string) (h http.Handler, err error) {
	app, name, err := apps.Pick(name)
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("app %q panicked while loading: %v", name, p)
		}
	}()
	if h, err = app(); err != nil {
		return nil, fmt.Errorf("app %q failed to load: %w", name, err)
	}
	if h == nil {
		return nil, fmt.Errorf("app %q returned no handler", name)
	}
	return h, nil
}
