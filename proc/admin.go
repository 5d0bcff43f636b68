package proc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocorn/gocorn/instrument/metrics"
	"github.com/gocorn/gocorn/instrument/prom"
	"github.com/gocorn/gocorn/starcfg"
)

// healthStale is how old the published view may be before /healthz says
// the master's loop has stopped answering: the loop publishes after
// every pass, and passes at least every tick.
const healthStale = 10 * tick

// adminServer is the master's metrics listener (metrics_bind): /metrics,
// /healthz and /readyz. Its handlers run on goroutines of their own and
// read the view the master's loop publishes (masterMetrics.latest), so a
// probe never waits behind the application's requests nor for the loop,
// and never touches the loop's state.
type adminServer struct {
	spec   string // the metrics_bind it serves
	name   string // where it listens, as the log says: http://127.0.0.1:9100, unix:PATH
	srv    *http.Server
	unlink string      // the unix socket's path, removed at close if still ours
	file   os.FileInfo // the unix socket as created
}

// startAdmin binds spec and serves the metrics from latest.
func startAdmin(spec string, latest *atomic.Pointer[fleetView], log *slog.Logger) (*adminServer, error) {
	addr, err := starcfg.ParseMetricsBind(spec)
	if err != nil {
		return nil, fmt.Errorf("metrics_bind: %w", err)
	}
	a := &adminServer{spec: spec}
	ln, err := a.listen(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics_bind %s: %w", addr, err)
	}
	a.srv = &http.Server{
		Handler:           adminHandler(latest, time.Now),
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go a.srv.Serve(ln)
	a.name = "unix:" + addr.Path
	if addr.Network == "tcp" {
		a.name = "http://" + ln.Addr().String()
	}
	log.Info(fmt.Sprintf("Metrics at: %s (/metrics, /healthz, /readyz)", a.name))
	return a, nil
}

// listen opens addr. Both masters of a USR2 upgrade serve it for a
// while: a TCP port is shared (SO_REUSEPORT), and a unix socket's path is
// taken over, the old master serving its unlinked socket until it exits.
func (a *adminServer) listen(addr starcfg.Address) (net.Listener, error) {
	if addr.Network == "tcp" {
		lc := net.ListenConfig{Control: reusePort}
		return lc.Listen(context.Background(), "tcp", net.JoinHostPort(addr.Host, strconv.Itoa(addr.Port)))
	}
	if info, err := os.Lstat(addr.Path); err == nil {
		if info.Mode()&os.ModeSocket == 0 {
			return nil, errors.New("the path exists and is not a socket")
		}
		os.Remove(addr.Path)
	}
	ln, err := net.Listen("unix", addr.Path)
	if err != nil {
		return nil, err
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // close removes it only if still ours
	a.unlink = addr.Path
	a.file, err = os.Lstat(addr.Path)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// reusePort sets SO_REUSEPORT on a socket before it binds.
func reusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	return errors.Join(err, serr)
}

// bound is the metrics_bind a is serving; "" for none.
func (a *adminServer) bound() string {
	if a == nil {
		return ""
	}
	return a.spec
}

// close stops serving and removes the unix socket, unless a newer master
// has taken its path over.
func (a *adminServer) close() {
	if a == nil {
		return
	}
	a.srv.Close()
	if a.unlink == "" {
		return
	}
	if info, err := os.Lstat(a.unlink); err == nil && os.SameFile(info, a.file) {
		os.Remove(a.unlink)
	}
}

// adminHandler serves /metrics, /healthz and /readyz from the view in
// latest; now is the clock that ages it.
func adminHandler(latest *atomic.Pointer[fleetView], now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", prom.Handler(func() ([]metrics.Sample, metrics.Requests) {
		if v := latest.Load(); v != nil {
			return v.samples(true), v.served
		}
		return nil, metrics.Requests{}
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if _, problem := freshView(latest, now); problem != "" {
			probeAnswer(w, http.StatusServiceUnavailable, problem)
			return
		}
		probeAnswer(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		v, problem := freshView(latest, now)
		if problem != "" {
			probeAnswer(w, http.StatusServiceUnavailable, problem)
			return
		}
		if ok, why := v.ready(); ok {
			probeAnswer(w, http.StatusOK, "ready: "+why)
		} else {
			probeAnswer(w, http.StatusServiceUnavailable, "not ready: "+why)
		}
	})
	return mux
}

// freshView is the published view, or why it cannot be trusted: there is
// none yet, or the master's loop has not published for healthStale.
func freshView(latest *atomic.Pointer[fleetView], now func() time.Time) (*fleetView, string) {
	v := latest.Load()
	if v == nil {
		return nil, "the master has not started"
	}
	if age := now().Sub(v.taken); age > healthStale {
		return nil, fmt.Sprintf("the master's loop has not answered for %s", age.Round(time.Second))
	}
	return v, ""
}

// probeAnswer writes a probe's answer: a status and one line of text.
func probeAnswer(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, text)
}
