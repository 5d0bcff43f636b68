package starcfg

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"not an integer", nil, []string{"--workers", "x"}, `gocorn: error: --workers: "x" is not an integer`},
		{"short flag", nil, []string{"-w", "0"}, `gocorn: error: --workers: got 0, want 1 or more`},
		{"attached short value", nil, []string{"-t-1"}, `gocorn: error: --timeout: got -1, want 0 or more`},
		{"missing value", nil, []string{"--workers"}, `gocorn: error: --workers: needs a value`},
		{"unknown flag", nil, []string{"--wrkers", "3"}, `gocorn: error: unknown flag --wrkers, did you mean "--workers"?`},
		{"two apps", nil, []string{"a", "b"}, `gocorn: error: unexpected argument b`},
		{"worker class", nil, []string{"-k", "gevent"}, `gocorn: error: --worker-class: "gevent" is not a worker class (want sync or gthread)`},
		{"log level", nil, []string{"--log-level", "verbose"}, `gocorn: error: --log-level: "verbose" is not a log level (want debug, info, warning, error or critical)`},
		{"raw env", nil, []string{"-e", "NOEQUALS"}, `gocorn: error: --env: "NOEQUALS" is not KEY=VALUE`},
		{"bind", nil, []string{"-b", "[::1"}, `gocorn: error: --bind: address "[::1": missing ] after the IPv6 address`},
		{"python config", nil, []string{"-c", "python:app.conf"}, `gocorn: error: --config: "python:app.conf" names a Python module, but gocorn reads Starlark: give the path of a .star file (PATH or file:PATH)`},
		{"env args value", []string{"GOCORN_CMD_ARGS=--threads many"}, nil, `gocorn: error: GOCORN_CMD_ARGS: --threads: "many" is not an integer`},
		{"env args flag", []string{"GOCORN_CMD_ARGS=--nope"}, nil, `gocorn: error: GOCORN_CMD_ARGS: unknown flag --nope, did you mean "--name"?`},
		{"env args quote", []string{`GOCORN_CMD_ARGS=--name "shop`}, nil, `gocorn: error: GOCORN_CMD_ARGS: a double quote (") is never closed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolveIn(t, t.TempDir(), tt.env, tt.args...)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("error = %v (%T), want a *UsageError", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error = %s\nwant    %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has more than one line")
			}
		})
	}
}

func TestUsageErrorsComeBeforeTheFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": "fail('must not run')\n"})
	_, err := resolveIn(t, dir, nil, "--workers", "x")
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("error = %v, want the usage error first", err)
	}
}

func TestCommandLineValues(t *testing.T) {
	r, err := resolveIn(t, t.TempDir(), []string{"GOCORN_CMD_ARGS='--name=my shop' --log-file /var/log/g.log app-ignored other-ignored"},
		"-w4", "--bind=unix:/run/g.sock", "-b", "[::1]:9000", "--keep-alive", "0x10",
		"--access-logfile", "-", "--log-level", "ERROR", "--check-config",
		"--limit-request-field_size", "100", "-e", "A=1", "--env=B=2,3", "svc")
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config
	got := fmt.Sprintf("%d %q %d %q %q %v %d %q %q %q %q", c.Workers, c.Bind, c.Keepalive, c.Accesslog,
		c.Loglevel, c.CheckConfig, c.LimitRequestFieldSize, c.RawEnv, c.ProcName, c.Errorlog, c.App)
	want := `4 ["unix:/run/g.sock" "[::1]:9000"] 16 "-" "error" true 100 ["A=1" "B=2,3"] "my shop" "/var/log/g.log" "svc"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestHelp(t *testing.T) {
	var stdout bytes.Buffer
	inv := Invocation{Args: []string{"-h"}, Dir: t.TempDir(), Stdout: &stdout, Version: "1.2.3"}
	_, err := Resolve(inv)
	if !errors.Is(err, ErrHelpShown) {
		t.Fatalf("error = %v, want ErrHelpShown", err)
	}
	help := stdout.String()
	for _, s := range settings {
		for _, f := range s.flags {
			if s.negatable {
				f = "[no-]" + f
			}
			if !strings.Contains(help, "--"+f) {
				t.Errorf("help does not list --%s", f)
			}
		}
		if s.short != 0 && !strings.Contains(help, fmt.Sprintf("-%c, --%s", s.short, s.flags[0])) {
			t.Errorf("help does not list -%c", s.short)
		}
	}
	// kong wraps lines, so look for defaults with blanks normalised.
	flat := strings.Join(strings.Fields(help), " ")
	for _, want := range []string{"(default: 2048)", "(default: 75)", `(default: "sync")`, "(default: False)",
		`or ["0.0.0.0:$PORT"] when PORT is set)`, "Usage: gocorn [<app>]", "Also --log-file."} {
		if !strings.Contains(flat, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"-v", "--version"} {
		var stdout bytes.Buffer
		_, err := Resolve(Invocation{Args: []string{arg}, Dir: t.TempDir(), Stdout: &stdout, Version: "1.2.3"})
		if !errors.Is(err, ErrHelpShown) || stdout.String() != "gocorn (version 1.2.3)\n" {
			t.Errorf("%s: error %v, output %q", arg, err, stdout.String())
		}
	}
}

func TestShellSplit(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"  -w 3\t--bind\n:80 ", []string{"-w", "3", "--bind", ":80"}, ""},
		{`--name 'my shop'`, []string{"--name", "my shop"}, ""},
		{`--name "my \"big\" shop"`, []string{"--name", `my "big" shop`}, ""},
		{`"a\b" 'c\d'`, []string{`a\b`, `c\d`}, ""},
		{`a\ b c\\d`, []string{"a b", `c\d`}, ""},
		{`x"y"'z' ''`, []string{"xyz", ""}, ""},
		{"a\\\nb", []string{"ab"}, ""},
		{`"$HOME"`, []string{"$HOME"}, ""},
		{`'open`, nil, "a single quote (') is never closed"},
		{`"open`, nil, `a double quote (") is never closed`},
		{`trailing\`, nil, "a backslash ends the text with nothing to escape"},
	}
	for _, tt := range tests {
		got, err := ShellSplit(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ShellSplit(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("ShellSplit(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
