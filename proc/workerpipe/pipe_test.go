package workerpipe

import (
	"io"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/starcfg"
)

func TestMessagesRoundTrip(t *testing.T) {
	a, b := net.Pipe()
	master, worker := NewConn(a), NewConn(b)
	sent := []Message{
		{Kind: KindBoot, Boot: &Boot{ID: 7, Config: &starcfg.Config{Workers: 3, Bind: []string{"unix:/x"}},
			Sources:   []starcfg.Source{{Path: "/etc/gocorn.conf.star", Data: []byte("workers = 3\n")}},
			Listeners: []string{"unix:/x"}, MaxRequests: 105}},
		{Kind: KindReady},
		{Kind: KindBeat, Beat: &Beat{InFlight: 2, Requests: 99}},
		{Kind: KindRetire, Reason: "max_requests reached"},
		{Kind: KindTicketKeys, TicketKeys: [][32]byte{{1, 2, 3}, {31: 9}}},
	}
	go func() {
		for _, m := range sent {
			master.Send(m)
		}
		master.Close()
	}()
	for _, want := range sent {
		got, err := worker.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
	if _, err := worker.Receive(); err != io.EOF {
		t.Errorf("after the other side closed: %v, want io.EOF", err)
	}
}

func TestCheckProtocol(t *testing.T) {
	for _, side := range []string{"master", "worker"} {
		if err := CheckProtocol(Protocol, side); err != nil {
			t.Errorf("same protocol: %v", err)
		}
	}
	for master, says := range map[string]string{"": "protocol " + Protocol + " and the master 1,", "99": "protocol " + Protocol + " and the master 99,"} {
		err := CheckProtocol(master, "master")
		if err == nil || !strings.Contains(err.Error(), "its binary speaks worker pipe "+says) || !strings.Contains(err.Error(), "run the new binary as the master") {
			t.Errorf("master %q: %v", master, err)
		}
	}
	err := CheckProtocol("", "worker")
	if err == nil || !strings.Contains(err.Error(), "its binary speaks worker pipe protocol 1 and the master "+Protocol+",") {
		t.Errorf("an older worker: %v", err)
	}
}
