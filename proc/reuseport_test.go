package proc

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/starcfg"
)

// With reuse_port a second server can bind the port the master holds;
// without it the second bind fails, as before.
func TestReusePort(t *testing.T) {
	for _, reuse := range []bool{true, false} {
		first, err := bindTCP(starcfg.Address{Network: "tcp", Host: "127.0.0.1"}, 16, reuse, lookupIP)
		if err != nil {
			t.Fatal(err)
		}
		port, err := strconv.Atoi(first.name[strings.LastIndex(first.name, ":")+1:])
		if err != nil {
			t.Fatalf("port of %s: %v", first.name, err)
		}
		second, err := bindTCP(starcfg.Address{Network: "tcp", Host: "127.0.0.1", Port: port}, 16, reuse, lookupIP)
		if (err == nil) != reuse {
			t.Errorf("reuse_port %t: second bind of %s: %v", reuse, first.name, err)
		}
		if second != nil {
			closeSockets([]*socket{second}, false)
		}
		closeSockets([]*socket{first}, false)
	}
}
