package control

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

// A frame is a 4-byte big-endian length and JSON; one write carries it.
func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFrame(&buf, map[string]int{"id": 1}); err != nil {
		t.Fatal(err)
	}
	if got := buf.Bytes(); !bytes.Equal(got[:4], []byte{0, 0, 0, 8}) || string(got[4:]) != `{"id":1}` {
		t.Fatalf("frame = %q", got)
	}
	payload, err := ReadFrame(&buf)
	if err != nil || string(payload) != `{"id":1}` {
		t.Fatalf("ReadFrame = %q, %v", payload, err)
	}
	if _, err := ReadFrame(&buf); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestFrameRefusals(t *testing.T) {
	head := func(n uint32) string {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], n)
		return string(b[:])
	}
	tests := []struct {
		name, in, want string
	}{
		{"over the limit", head(MaxMessage + 1), "control message of 16777217 bytes is over the 16777216-byte limit"},
		{"length cut short", "\x00\x00", "unexpected EOF"},
		{"payload cut short", head(10) + "{}", "control message cut short: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFrame(strings.NewReader(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
	if err := WriteFrame(io.Discard, strings.Repeat("x", MaxMessage)); err == nil {
		t.Error("a message over the limit was written")
	}
	if _, err := ReadFrame(strings.NewReader(head(MaxMessage) + "{}")); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a message of exactly the limit, cut short: %v", err)
	}
}
