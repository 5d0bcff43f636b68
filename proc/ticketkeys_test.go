package proc

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
)

func TestRotateTicketKeys(t *testing.T) {
	var keys [][32]byte
	for i := range ticketKeysKept + 2 {
		before := slices.Clone(keys)
		next := rotateTicketKeys(keys)
		if !slices.Equal(keys, before) {
			t.Fatalf("rotation %d changed the slice it was given", i)
		}
		if want := min(i+1, ticketKeysKept); len(next) != want {
			t.Fatalf("rotation %d: %d keys, want %d", i, len(next), want)
		}
		if slices.Contains(before, next[0]) || !slices.Equal(next[1:], before[:len(next)-1]) {
			t.Fatalf("rotation %d: want a new key in front of the newest previous ones", i)
		}
		keys = next
	}
}

// The master rotates the keys once the newest is a day old, hands them to
// every worker over its pipe, and spawns later workers with them.
func TestCheckTicketKeysHandsNewKeysToWorkers(t *testing.T) {
	sys := newFakeSystem()
	m := &master{sys: sys, log: slog.New(slog.DiscardHandler)}
	m.fleet = newFleet(sys, m.log, fleetHooks{}, basePolicy)
	m.setTLS(&server.TLSSecrets{})
	first := m.tls.secrets.TicketKeys
	if len(first) != 1 {
		t.Fatalf("setTLS made %d keys, want 1", len(first))
	}
	m.setTLS(&server.TLSSecrets{}) // a HUP keeps the keys
	if !slices.Equal(m.tls.secrets.TicketKeys, first) {
		t.Fatal("a new generation changed the ticket keys")
	}
	booting := m.tls.secrets // what a boot message on its way holds
	pipe := &fakePipe{}
	m.fleet.workers[42] = &worker{pid: 42, pipe: pipe}

	sys.advance(ticketKeyLifetime - time.Second)
	m.checkTicketKeys() // the key is not a day old: nothing happens
	if len(pipe.sent) != 0 {
		t.Fatalf("the worker got %v before the key was a day old", pipe.kinds())
	}
	sys.advance(time.Second)
	m.checkTicketKeys()
	if len(pipe.sent) != 1 {
		t.Fatalf("the worker got %v, want one ticket_keys", pipe.kinds())
	}
	msg := pipe.sent[0]
	if msg.Kind != workerpipe.KindTicketKeys || len(msg.TicketKeys) != 2 || msg.TicketKeys[1] != first[0] {
		t.Fatalf("the worker got %s with %d keys; want ticket_keys with a new key before the old", msg.Kind, len(msg.TicketKeys))
	}
	if !slices.Equal(m.tls.secrets.TicketKeys, msg.TicketKeys) {
		t.Error("workers spawned after the rotation would get other keys")
	}
	if !slices.Equal(booting.TicketKeys, first) {
		t.Error("the rotation changed the secrets of a boot message already on its way")
	}
}
