package accesslog

import (
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"
)

// requestIDs makes the request ids of the JSON line for requests that
// came without one: a random prefix per compiled format, that is per
// worker process, and a counter. No lock, no allocation.
type requestIDs struct {
	prefix [16]byte // 8 random bytes, in hex
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [8]byte
	rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
	ids := &requestIDs{}
	hex.Encode(ids.prefix[:], b[:])
	return ids
}

// append appends the next id: the prefix and the counter, in 32 hex
// digits.
func (ids *requestIDs) append(dst []byte) []byte {
	n := ids.n.Add(1)
	dst = append(dst, ids.prefix[:]...)
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[n>>shift&0xf])
	}
	return dst
}
