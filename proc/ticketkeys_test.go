package proc

import (
	"log/slog"
	"net"
	"slices"
	"testing"

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
	m := &master{sys: osSystem{}, log: slog.New(slog.DiscardHandler)}
	m.fleet = newFleet(m.sys, m.log, fleetHooks{}, policy{})
	m.setTLS(&server.TLSSecrets{})
	first := m.tls.TicketKeys
	if len(first) != 1 {
		t.Fatalf("setTLS made %d keys, want 1", len(first))
	}
	m.setTLS(&server.TLSSecrets{}) // a HUP keeps the keys
	if !slices.Equal(m.tls.TicketKeys, first) {
		t.Fatal("a new generation changed the ticket keys")
	}
	booting := m.tls // what a boot message being sent holds

	masterEnd, workerEnd := net.Pipe()
	defer masterEnd.Close()
	defer workerEnd.Close()
	m.fleet.workers[42] = &worker{pid: 42, pipe: workerpipe.NewConn(masterEnd)}
	got := make(chan workerpipe.Message, 1)
	go func() {
		msg, _ := workerpipe.NewConn(workerEnd).Receive()
		got <- msg
	}()

	m.checkTicketKeys() // the key is new: nothing happens
	m.ticketKeyMade = m.ticketKeyMade.Add(-ticketKeyLifetime)
	m.checkTicketKeys()
	msg := <-got
	if msg.Kind != workerpipe.KindTicketKeys || len(msg.TicketKeys) != 2 || msg.TicketKeys[1] != first[0] {
		t.Fatalf("the worker got %s with %d keys; want ticket_keys with a new key before the old", msg.Kind, len(msg.TicketKeys))
	}
	if !slices.Equal(m.tls.TicketKeys, msg.TicketKeys) {
		t.Error("workers spawned after the rotation would get other keys")
	}
	if !slices.Equal(booting.TicketKeys, first) {
		t.Error("the rotation changed the secrets of a boot message already on its way")
	}
}
