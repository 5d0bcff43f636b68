package main

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/server/tlstest"
)

// TestMain lets the test binary be the bare server, as the tool's own
// binary is: bareSpec re-executes os.Executable() with bareEnv set.
func TestMain(m *testing.M) {
	if addr, ok := os.LookupEnv(bareEnv); ok {
		os.Exit(serveBare(addr, os.Getenv(bareCertEnv), os.Getenv(bareKeyEnv)))
	}
	os.Exit(m.Run())
}

func testTools(t *testing.T) tools {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return tools{self: self, dir: t.TempDir()}
}

func TestBareServerStartsAnswersAndStops(t *testing.T) {
	tt := testTools(t)
	var err error
	if tt.pki, err = tlstest.Generate(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	// The bare server told its port, as nginx and fasthttp are.
	chosenPort := func(t tools) serverSpec {
		s := bareSpec(t)
		s.env, s.port = []string{bareEnv + "=127.0.0.1:" + portVar}, true
		return s
	}
	for _, c := range []struct {
		name   string
		spec   func(tools) serverSpec
		scheme string
		trust  *tls.Config
	}{
		{"plain", bareSpec, "http://", nil},
		{"TLS", bareTLSSpec, "https://", tt.pki.ClientConfig()},
		{"port chosen by the tool", chosenPort, "http://", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			in, err := start(ctx, c.spec(tt), 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			pid := in.cmd.Process.Pid
			if !strings.HasPrefix(in.url, c.scheme) {
				t.Errorf("listening at %s, want %s", in.url, c.scheme)
			}
			if err := in.waitAnswering(ctx, 5*time.Second, c.trust); err != nil {
				in.stop(time.Second)
				t.Fatal(err)
			}
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: c.trust}}
			resp, err := client.Get(in.url + "/")
			if err != nil {
				in.stop(time.Second)
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "Hello, World!\n" || (resp.TLS != nil) != (c.trust != nil) {
				t.Errorf("bare server answered %q (TLS %v), want the hello body", body, resp.TLS != nil)
			}
			if err := in.stop(5 * time.Second); err != nil {
				t.Errorf("stop: %v", err)
			}
			if left := groupMembers(pid); len(left) > 0 {
				t.Errorf("processes %v of the bare server's group are still running", left)
			}
		})
	}
}

func shSpec(script string) serverSpec {
	return serverSpec{name: "sh", path: "/bin/sh", args: []string{"-c", script}}
}

func TestStartFailures(t *testing.T) {
	tests := []struct {
		name, script, err string
	}{
		{"exits", "echo booting; echo no config >&2; exit 3", "sh exited (exit status 3) before it was listening; its last output:\n\tbooting\n\tno config"},
		{"silent", "exec sleep 30", `sh did not log "Listening at:" within 300ms`},
		{"not loopback", "echo 'Listening at: http://0.0.0.0:8000 (1)'; exec sleep 30", `"http://0.0.0.0:8000" as its address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := start(context.Background(), shSpec(tt.script), 300*time.Millisecond)
			if in != nil {
				in.stop(time.Second)
				t.Fatal("start succeeded")
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("start: got error %v, want one containing %q", err, tt.err)
			}
		})
	}
}

func TestStopEscalates(t *testing.T) {
	tests := []struct {
		name, script, err string
	}{
		// The shell ignores TERM, and so does its child.
		{"ignores SIGTERM", `trap "" TERM; echo 'Listening at: http://127.0.0.1:9 (1)'; sleep 30; true`,
			"did not exit within 300ms of SIGTERM, so it was killed"},
		// The shell dies on TERM but leaves a "worker" behind.
		{"leaves a worker", `sleep 30 & echo 'Listening at: http://127.0.0.1:9 (1)'; wait`,
			"left 1 processes of its group running after it exited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := start(context.Background(), shSpec(tt.script), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			pid := in.cmd.Process.Pid
			began := time.Now()
			err = in.stop(300 * time.Millisecond)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("stop: got error %v, want one containing %q", err, tt.err)
			}
			if d := time.Since(began); d > 5*time.Second {
				t.Errorf("stop took %s", d)
			}
			if left := groupMembers(pid); len(left) > 0 {
				t.Errorf("processes %v of the group are still running", left)
			}
		})
	}
}
