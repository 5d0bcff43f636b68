package h1

import (
	"io"
	"strings"
	"testing"
)

// readFromConn is a fakeConn that, like *net.TCPConn, offers ReadFrom
// (the path to sendfile) and counts its use.
type readFromConn struct {
	fakeConn
	readFroms int
}

func (c *readFromConn) ReadFrom(r io.Reader) (int64, error) {
	c.readFroms++
	return io.Copy(&c.out, r)
}

// With sendfile on, a response copied in with ReadFrom reaches the
// socket's ReadFrom; with NoSendfile it is written, and the bytes are the
// same either way.
func TestSendfileSwitch(t *testing.T) {
	for _, off := range []bool{false, true} {
		raw := &readFromConn{}
		c := Wrap(raw, &Options{NoSendfile: off}, nil).(io.ReaderFrom)
		n, err := c.ReadFrom(strings.NewReader("body"))
		if err != nil || n != 4 || raw.out.String() != "body" {
			t.Errorf("NoSendfile %t: %d, %v, wrote %q", off, n, err, raw.out.String())
		}
		if used := raw.readFroms > 0; used == off {
			t.Errorf("NoSendfile %t: the socket's ReadFrom was used %d times", off, raw.readFroms)
		}
	}
}
