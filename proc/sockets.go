package proc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocorn/gocorn/starcfg"
)

// socket is a listening socket the master owns for its whole life. Workers
// inherit it; the master never accepts on it, so connections queue in the
// kernel while workers restart.
type socket struct {
	spec   string // the bind entry it was opened for
	name   string // as gunicorn names listeners: http://127.0.0.1:8000, unix:/run/app.sock
	fd     int    // never wrapped in an *os.File, whose Fd method would make it blocking for every worker
	unlink string // unix socket path to remove at exit, "" for none
}

// startTries and bindPause follow gunicorn: at start, an address still
// held by a stopping server gets five chances, a second apart. A HUP tries
// once, since the master must not stop serving signals for long.
const (
	startTries = 5
	bindPause  = time.Second
)

// errNoBind keeps a configuration that would listen nowhere from being
// applied.
var errNoBind = errors.New("bind is empty: the server would listen nowhere")

// bindAll returns the sockets for cfg.Bind, in order: the ones in current
// whose bind entry is unchanged, and new ones for the rest. On failure it
// closes only what it opened, so the running server loses nothing.
func bindAll(current []*socket, cfg *starcfg.Config, lookup lookupFunc, tries int, log *slog.Logger) ([]*socket, error) {
	if len(cfg.Bind) == 0 {
		return nil, errNoBind
	}
	var socks, opened []*socket
	for _, spec := range cfg.Bind {
		if i := slices.IndexFunc(current, func(s *socket) bool { return s.spec == spec }); i >= 0 {
			socks = append(socks, current[i])
			continue
		}
		s, err := bindRetrying(spec, cfg, lookup, tries, log)
		if err != nil {
			closeSockets(opened, true)
			return nil, err
		}
		socks, opened = append(socks, s), append(opened, s)
	}
	return socks, nil
}

func bindRetrying(spec string, cfg *starcfg.Config, lookup lookupFunc, tries int, log *slog.Logger) (*socket, error) {
	addr, err := starcfg.ParseAddress(spec)
	if err != nil {
		return nil, err
	}
	for try := 1; ; try++ {
		s, err := bind(addr, cfg, lookup)
		if err == nil {
			s.spec = spec
			return s, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) || try >= tries {
			return nil, err
		}
		log.Error(fmt.Sprintf("Connection in use: %s", addr))
		log.Error("Retrying in 1 second.")
		time.Sleep(bindPause)
	}
}

func bind(addr starcfg.Address, cfg *starcfg.Config, lookup lookupFunc) (*socket, error) {
	switch addr.Network {
	case "tcp":
		return bindTCP(addr, cfg.Backlog, cfg.ReusePort, lookup)
	case "unix":
		return bindUnix(addr.Path, cfg)
	case "fd":
		return adoptFD(addr.FD)
	}
	return nil, fmt.Errorf("bind %s: unknown network %q", addr, addr.Network)
}

// lookupFunc finds the addresses of a host name, as
// net.DefaultResolver.LookupIP; tests of the pre-flight give a fake.
type lookupFunc func(ctx context.Context, host string) ([]net.IP, error)

// lookupIP is the system's resolver, which binds use.
func lookupIP(ctx context.Context, host string) ([]net.IP, error) {
	return net.DefaultResolver.LookupIP(ctx, "ip", host)
}

// rememberLookups is lookup answering each host once: a start checks its
// binds and then binds them with one resolution per name, so the check
// and the bind see the same address and the resolver is asked once.
func rememberLookups(lookup lookupFunc) lookupFunc {
	type answer struct {
		ips []net.IP
		err error
	}
	seen := map[string]answer{}
	return func(ctx context.Context, host string) ([]net.IP, error) {
		a, ok := seen[host]
		if !ok {
			a.ips, a.err = lookup(ctx, host)
			seen[host] = a
		}
		return a.ips, a.err
	}
}

// resolveTimeout bounds the lookup of one bind's host.
const resolveTimeout = 10 * time.Second

// hostIP is the address a TCP bind of host listens on: the first that
// lookup finds. --check-config resolves with it too, so that it checks
// what a start binds.
func hostIP(lookup lookupFunc, host string) (net.IP, error) {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	ips, err := lookup(ctx, host)
	if err == nil && len(ips) == 0 {
		err = errors.New("no address")
	}
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %q: %v", host, err)
	}
	return ips[0], nil
}

func bindTCP(addr starcfg.Address, backlog int, reusePort bool, lookup lookupFunc) (*socket, error) {
	ip, err := hostIP(lookup, addr.Host)
	if err != nil {
		return nil, fmt.Errorf("bind %s: %w", addr, err)
	}
	var sa syscall.Sockaddr
	family := syscall.AF_INET
	if ip4 := ip.To4(); ip4 != nil {
		sa = &syscall.SockaddrInet4{Port: addr.Port, Addr: [4]byte(ip4)}
	} else {
		family = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: addr.Port, Addr: [16]byte(ip.To16())}
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("bind %s: socket: %w", addr, err)
	}
	if err := listenFD(fd, sa, backlog, family == syscall.AF_INET6, reusePort); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("bind %s: %w", addr, err)
	}
	name := addr.String()
	if bound, err := syscall.Getsockname(fd); err == nil {
		name = tcpName(bound)
	}
	return &socket{name: name, fd: fd}, nil
}

// listenFD sets gunicorn's socket options, binds and listens. reusePort
// (reuse_port) lets another server bind the same port beside this one.
func listenFD(fd int, sa syscall.Sockaddr, backlog int, v6only, reusePort bool) error {
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("setsockopt SO_REUSEADDR: %w", err)
	}
	if reusePort {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fmt.Errorf("setsockopt SO_REUSEPORT: %w", err)
		}
	}
	if v6only {
		// Lets "[::]:8000" and "0.0.0.0:8000" be bound side by side.
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1); err != nil {
			return fmt.Errorf("setsockopt IPV6_V6ONLY: %w", err)
		}
	}
	if err := syscall.Bind(fd, sa); err != nil {
		return err
	}
	return syscall.Listen(fd, backlog)
}

func tcpName(sa syscall.Sockaddr) string {
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return "http://" + net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *syscall.SockaddrInet6:
		return "http://" + net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *syscall.SockaddrUnix:
		return "unix:" + a.Name
	}
	return "unknown"
}

// bindUnix creates a unix socket under the umask setting and gives it to
// the workers' user and group, as gunicorn does.
func bindUnix(path string, cfg *starcfg.Config) (*socket, error) {
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("bind unix:%s: socket: %w", path, err)
	}
	err = withUmask(cfg.Umask, func() error { return syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}) })
	if err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("bind unix:%s: %w", path, err)
	}
	cred, err := workerCredential(cfg)
	if err == nil {
		err = chownForWorkers(path, cred)
	}
	if err == nil {
		err = syscall.Listen(fd, cfg.Backlog)
	}
	if err != nil {
		syscall.Close(fd)
		os.Remove(path)
		return nil, fmt.Errorf("bind unix:%s: %w", path, err)
	}
	name := "unix:" + path
	return &socket{name: name, fd: fd, unlink: path}, nil
}

// removeStaleSocket clears the way for a unix socket at path: a socket
// nobody answers on is left over from a crash and is removed; a live one,
// or any other kind of file, is an error, never deleted.
func removeStaleSocket(path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bind unix:%s: %w", path, err)
	}
	if info.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("bind unix:%s: the path exists and is not a socket", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("bind unix:%s: %w: another server is listening there", path, syscall.EADDRINUSE)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("bind unix:%s: removing the stale socket: %w", path, err)
	}
	return nil
}

// adoptFD takes over an inherited listening socket (bind = "fd://N").
func adoptFD(fd int) (*socket, error) {
	accepting, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN)
	if err != nil {
		return nil, fmt.Errorf("bind fd://%d: not a socket: %w", fd, err)
	}
	if accepting != 1 {
		return nil, fmt.Errorf("bind fd://%d: the socket is not listening", fd)
	}
	syscall.CloseOnExec(fd)
	name := fmt.Sprintf("fd://%d", fd)
	if sa, err := syscall.Getsockname(fd); err == nil {
		name = tcpName(sa)
	}
	return &socket{name: name, fd: fd}, nil
}

// unixPath is the file of the unix socket fd is bound to, "" for any
// other socket (TCP, abstract, unnamed).
func unixPath(fd int) string {
	sa, err := syscall.Getsockname(fd)
	if u, ok := sa.(*syscall.SockaddrUnix); err == nil && ok && u.Name != "" && u.Name[0] != '@' {
		return u.Name
	}
	return ""
}

// closeSockets closes sockets and, with unlink, removes their unix
// socket files (not when another master still serves them).
func closeSockets(socks []*socket, unlink bool) {
	for _, s := range socks {
		syscall.Close(s.fd)
		if unlink && s.unlink != "" {
			os.Remove(s.unlink)
		}
	}
}

func socketFDs(socks []*socket) []int {
	fds := make([]int, len(socks))
	for i, s := range socks {
		fds[i] = s.fd
	}
	return fds
}

func socketNames(socks []*socket) []string {
	names := make([]string, len(socks))
	for i, s := range socks {
		names[i] = s.name
	}
	return names
}

// logListening logs gunicorn's "Listening at:" line. TCP sockets show
// https:// when they serve TLS (gunicorn says http:// either way), so the
// log tells at a glance what a client must speak.
func (m *master) logListening(socks []*socket) {
	names := socketNames(socks)
	if m.cfg.TLSEnabled() {
		for i, n := range names {
			if rest, ok := strings.CutPrefix(n, "http://"); ok {
				names[i] = "https://" + rest
			}
		}
	}
	m.log.Info(fmt.Sprintf("Listening at: %s (%d)", joinNames(names), os.Getpid()))
}

// listen returns the master's sockets: the ones systemd passed, or those
// of bind (reusing any an old master handed over). Entries that cannot
// all be bound are refused first, all of them, in --check-config's words:
// otherwise the second of a pair would wait through startTries for an
// address that its twin holds.
func (m *master) listen() ([]*socket, error) {
	if len(m.activated) > 0 {
		m.log.Info(fmt.Sprintf("Using %d sockets from systemd socket activation; bind is not used", len(m.activated)))
		return m.activated, nil
	}
	lookup := rememberLookups(lookupIP)
	if err := errors.Join(checkBinds(listenSpecs(m.cfg), workDir(m.cfg, m.inv.Dir), lookup)...); err != nil {
		return nil, err
	}
	return bindAll(m.upgrade.inherited, m.cfg, lookup, startTries, m.log)
}
