package proc

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/gocorn/gocorn/starcfg"
)

// The master reads how many connections wait in its TCP sockets' accept
// queues; unix sockets cannot say.
func TestAcceptQueue(t *testing.T) {
	tcp, err := bindTCP(starcfg.Address{Network: "tcp", Host: "127.0.0.1"}, 16, false, lookupIP)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSockets([]*socket{tcp}, false)
	unixSock, err := bindUnix(filepath.Join(t.TempDir(), "s.sock"), &starcfg.Config{Backlog: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer closeSockets([]*socket{unixSock}, true)

	if _, ok := acceptQueue([]*socket{unixSock}); ok {
		t.Error("a unix socket's queue reads as known")
	}
	if n, ok := acceptQueue([]*socket{tcp, unixSock}); !ok || n != 0 {
		t.Errorf("empty queue: %d, %t", n, ok)
	}
	addr := tcp.name[len("http://"):]
	for i := range 3 {
		c, err := net.Dial("tcp", addr) // completes in the kernel: nobody accepts
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if n, _ := acceptQueue([]*socket{tcp}); n != i+1 {
			t.Errorf("after %d connections the queue holds %d", i+1, n)
		}
	}
}
