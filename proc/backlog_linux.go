package proc

import "golang.org/x/sys/unix"

// tcpListen is TCP_LISTEN, the LISTEN state (include/net/tcp_states.h).
const tcpListen = 10

// acceptQueue is how many connections wait in the accept queues of socks,
// summed over the TCP ones, as gunicorn computes gunicorn.backlog. The
// master can read it because it owns the listening sockets: for a socket
// in LISTEN state, Linux's TCP_INFO reports the accept queue's length in
// tcpi_unacked (and its limit, backlog capped by net.core.somaxconn, in
// tcpi_sacked). ok is false when no socket can tell (unix sockets only,
// or none while the master stops).
func acceptQueue(socks []*socket) (n int, ok bool) {
	for _, s := range socks {
		info, err := unix.GetsockoptTCPInfo(s.fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil || info.State != tcpListen {
			continue // a unix socket, or not listening
		}
		n, ok = n+int(info.Unacked), true
	}
	return n, ok
}
