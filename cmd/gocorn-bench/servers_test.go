package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSpecCommand(t *testing.T) {
	tt := tools{gocorn: "/tmp/x/gocorn", dir: "/tmp/x", statsd: "127.0.0.1:8125"}
	tests := []struct {
		key, want string
	}{
		{"gthread", "gocorn -b 127.0.0.1:0 -k gthread -w 2 --threads 64 hello"},
		{"observed", "gocorn --statsd-host 127.0.0.1:8125 --access-logfile observed.log " +
			"-b 127.0.0.1:0 -k gthread -w 2 --threads 64 --access-logformat json hello"},
		{"hooks", "gocorn -c hooks.conf.star -b 127.0.0.1:0 -k gthread -w 2 --threads 64 hello"},
		{"nginx", "nginx -p $SCRATCH -c $SCRATCH/nginx.conf -e stderr"},
		{"fasthttp", "fasthttpprefork -addr 127.0.0.1:$PORT -children 2"},
	}
	tt.nginx, tt.fasthttp = "/usr/sbin/nginx", "/tmp/x/fasthttpprefork"
	for _, c := range tests {
		bc, _ := caseByKey(c.key)
		if got := bc.spec(tt).command(); got != c.want {
			t.Errorf("%s: command() = %q, want %q", c.key, got, c.want)
		}
	}
}

// A server told its port gets a free one in its arguments, environment
// and files; a file given as "" is emptied at each start.
func TestSpecPrepare(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "server.log")
	if err := os.WriteFile(log, []byte("last round's lines\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := specFunc(func(tools) serverSpec {
		return serverSpec{name: "test", args: []string{"-addr", "127.0.0.1:" + portVar}, env: []string{"PORT=" + portVar},
			dir: dir, files: map[string]string{"conf": "listen " + portVar + ";\n"}, port: true}
	}).with(map[string]string{"server.log": ""}, fixed("-v"))(tools{})

	got, url, err := spec.prepare()
	if err != nil {
		t.Fatal(err)
	}
	port := strings.TrimPrefix(url, "http://127.0.0.1:")
	if port == url || port == "" || strings.Contains(port, portVar) {
		t.Fatalf("prepare chose URL %q", url)
	}
	if a := strings.Join(got.args, " "); a != "-v -addr 127.0.0.1:"+port {
		t.Errorf("args %q", a)
	}
	if got.env[0] != "PORT="+port {
		t.Errorf("env %q", got.env)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "conf")); string(b) != "listen "+port+";\n" {
		t.Errorf("conf is %q", b)
	}
	if b, err := os.ReadFile(log); err != nil || len(b) != 0 {
		t.Errorf("the log is %q (%v), want it emptied", b, err)
	}
	if spec.args[2] != "127.0.0.1:"+portVar {
		t.Errorf("prepare changed the spec it was called on: %q", spec.args)
	}
}
