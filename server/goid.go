package server

import (
	"bytes"
	"runtime"
	"strconv"
)

// goroutineID is the id of the calling goroutine, as runtime.Stack prints
// it ("goroutine 42 [running]:"), so that the stack of a handler stuck
// past request_timeout can be found in a dump of all goroutines. It costs
// about a microsecond, paid only by requests served with a deadline.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

// goroutineStacks picks the stacks of the goroutines ids out of a dump
// of all of them (runtime.Stack(buf, true)), by id.
func goroutineStacks(dump []byte, ids map[uint64]bool) map[uint64]string {
	out := map[uint64]string{}
	for block := range bytes.SplitSeq(dump, []byte("\n\n")) {
		rest, ok := bytes.CutPrefix(block, []byte("goroutine "))
		if !ok {
			continue
		}
		end := bytes.IndexByte(rest, ' ')
		if end < 0 {
			continue
		}
		if id, err := strconv.ParseUint(string(rest[:end]), 10, 64); err == nil && ids[id] {
			out[id] = string(bytes.TrimSpace(block))
		}
	}
	return out
}

// GoroutineDump is every goroutine's stack, as runtime.Stack(buf, true)
// writes it, in a buffer grown until it fits (up to 64 MiB).
func GoroutineDump() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 64<<20 {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
