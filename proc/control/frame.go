// Package control is gocorn's side of gunicorn 26's control interface: a
// unix socket in the master that speaks gunicorn's protocol, so gocorn
// ctl and gunicorn's own gunicornc work against gocorn unchanged.
//
// The protocol: each message is a 4-byte big-endian length and that many
// bytes of UTF-8 JSON (MaxMessage at most). A client sends
// {"id": N, "command": "show workers", "args": []} and gets back
// {"id": N, "status": "ok", "data": {...}} or
// {"id": N, "status": "error", "error": "..."}, as many times as it likes
// on one connection.
//
// The server's goroutines never touch the master's state: each command
// travels to the master's loop as a Call, which runs it (Execute) against
// the master's view of itself (Master) and hands the reply back.
package control

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// MaxMessage bounds one message, as gunicorn's 16 MiB: a length beyond it
// ends the connection before anything is read into memory.
const MaxMessage = 16 << 20

// ReadFrame reads one message's JSON bytes. It returns io.EOF when the
// peer closed the connection between messages, and another error when
// the connection ended inside one or its length is over MaxMessage.
func ReadFrame(r io.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n > MaxMessage {
		return nil, fmt.Errorf("control message of %d bytes is over the %d-byte limit", n, MaxMessage)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, fmt.Errorf("control message cut short: %w", io.ErrUnexpectedEOF)
	}
	return payload, nil
}

// WriteFrame writes v as one message, in a single write so that a
// message is never interleaved with another.
func WriteFrame(w io.Writer, v any) error {
	payload, err := marshal(v)
	if err != nil {
		return err
	}
	if len(payload) > MaxMessage {
		return fmt.Errorf("control message of %d bytes is over the %d-byte limit", len(payload), MaxMessage)
	}
	msg := make([]byte, 4, 4+len(payload))
	binary.BigEndian.PutUint32(msg, uint32(len(payload)))
	_, err = w.Write(append(msg, payload...))
	return err
}

// marshal is json.Marshal without HTML escaping, as Python's json.dumps
// writes: a path with & or < reads as it is.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding a control message: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
