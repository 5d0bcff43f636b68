package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
)

// The server's time limits.
const (
	idleTimeout  = 300 * time.Second // a client silent this long is dropped, as gunicorn's
	writeTimeout = 10 * time.Second  // a client that does not read its reply is dropped
	callTimeout  = 10 * time.Second  // how long a command waits for the master's loop
	closeWait    = time.Second       // how long Close lets replies under way finish
)

// Call is one command on its way to the master's loop, which answers it
// with Answer.
type Call struct {
	Command Command
	reply   chan<- result
}

type result struct {
	data any
	err  error
}

// Answer runs the call's command against m and sends back the reply. It
// never blocks.
func (c Call) Answer(m Master) {
	data, err := Execute(c.Command, m)
	c.reply <- result{data, err}
}

// Server is a running control socket. Its goroutines read requests,
// send each command to the master's loop as a Call, and write the reply.
type Server struct {
	path  string
	id    fileID
	ln    *net.UnixListener
	calls chan<- Call
	log   *slog.Logger
	done  chan struct{} // closed by Close

	mu     sync.Mutex
	closed bool
	conns  map[*net.UnixConn]struct{}
	wg     sync.WaitGroup
}

// Listen starts the control socket at path with mode: commands go to
// calls, which the master's loop must serve. See bindSocket for what it
// refuses.
func Listen(path string, mode os.FileMode, calls chan<- Call, log *slog.Logger) (*Server, error) {
	ln, err := bindSocket(path, mode)
	if err != nil {
		return nil, err
	}
	id, _ := idOf(path)
	s := &Server{path: path, id: id, ln: ln, calls: calls, log: log,
		done: make(chan struct{}), conns: map[*net.UnixConn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Path is where the socket listens.
func (s *Server) Path() string { return s.path }

// Chmod changes the socket file's permissions (a HUP changed
// control_socket_mode).
func (s *Server) Chmod(mode os.FileMode) error { return os.Chmod(s.path, mode) }

// Close stops accepting, removes the socket file if it is still this
// server's, lets replies under way finish for up to a second and closes
// every connection. Clients waiting on the master get "Command failed".
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.ln.Close()
	if id, ok := idOf(s.path); ok && id == s.id {
		os.Remove(s.path)
	}
	close(s.done)
	for c := range s.conns {
		c.CloseRead() // a client's next request reads EOF; a reply under way is still written
	}
	s.mu.Unlock()
	finished := make(chan struct{})
	go func() { s.wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(closeWait):
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-finished
	}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.AcceptUnix()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Error(fmt.Sprintf("Control socket %s stopped accepting: %v", s.path, err))
			}
			return
		}
		if !s.track(conn) {
			conn.Close()
			return
		}
		go s.serve(conn)
	}
}

// track registers conn, unless the server is closing.
func (s *Server) track(conn *net.UnixConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[conn] = struct{}{}
	s.wg.Add(1)
	return true
}

// serve answers one client's requests until it goes, idles past
// idleTimeout or sends something that is not a request: as gunicorn,
// the connection just ends then.
func (s *Server) serve(conn *net.UnixConn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		conn.Close()
	}()
	for {
		conn.SetReadDeadline(time.Now().Add(idleTimeout))
		payload, err := ReadFrame(conn)
		if err != nil {
			return
		}
		var req Request
		if err := json.Unmarshal(payload, &req); err != nil {
			s.log.Debug(fmt.Sprintf("Control socket: dropping a client that sent no request: %v", err))
			return
		}
		conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err := WriteFrame(conn, s.answer(req)); err != nil {
			return
		}
	}
}

// answer parses req and has the master's loop run it.
func (s *Server) answer(req Request) Response {
	cmd, err := Parse(req.Command, argWords(req.Args))
	if err != nil {
		return respond(req.ID, nil, err)
	}
	data, err := s.call(cmd)
	return respond(req.ID, data, err)
}

// errNoAnswer is a master's loop that did not take or answer a command in
// time: it is busy (a long HUP) or stuck.
var errNoAnswer = fmt.Errorf("the master did not answer within %s", callTimeout)

// call sends cmd to the master's loop and waits for its reply.
func (s *Server) call(cmd Command) (any, error) {
	reply := make(chan result, 1)
	timeout := time.NewTimer(callTimeout)
	defer timeout.Stop()
	select {
	case s.calls <- Call{Command: cmd, reply: reply}:
	case <-s.done:
		return nil, errStopping
	case <-timeout.C:
		return nil, errNoAnswer
	}
	select {
	case r := <-reply:
		return r.data, r.err
	case <-s.done:
		select {
		case r := <-reply: // answered just before the server closed: shutdown's own reply
			return r.data, r.err
		default:
			return nil, errStopping
		}
	case <-timeout.C:
		return nil, errNoAnswer
	}
}
