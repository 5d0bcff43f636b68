package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// bin is the example's binary, built once by TestMain.
var bin string

func TestMain(m *testing.M) { os.Exit(proctest.Main(m, ".", &bin)) }

// logLine matches a line of gocorn's error log from pid.
func logLine(pid int, rest string) string {
	return fmt.Sprintf(`(?m)^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[%d\] %s$`, pid, rest)
}

// title is the process title ps shows for pid: its command line, NULs and
// the padding after them dropped.
func title(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(string(data[:max(0, strings.IndexByte(string(data)+"\x00", 0))]), " ")
}

func TestEmbeddedServiceRunsUnderItsOwnName(t *testing.T) {
	in := proctest.Start(t, proctest.Setup{Bin: bin, Dir: t.TempDir()}, "-b", "127.0.0.1:0", "-w", "2", "-k", "gthread", "api")
	if code, body := in.Get("/v1/hello/gopher"); code != 200 || body != "Hello, gopher!\n" {
		t.Fatalf("GET /v1/hello/gopher: %d %q", code, body)
	}
	workers := in.Workers()
	if got := title(t, in.Pid()); got != "myservice: master [api]" {
		t.Errorf("the master's title is %q", got)
	}
	for _, pid := range workers {
		if got := title(t, pid); got != "myservice: worker [api]" {
			t.Errorf("worker %d's title is %q", pid, got)
		}
		in.WaitLog(logLine(pid, `\[INFO\] Warmed the cache for "Hello" in worker `+fmt.Sprint(pid)))
	}
	in.WaitLog(logLine(in.Pid(), `\[INFO\] Starting myservice devel, go\S+; gocorn devel`))
	in.WaitLog(logLine(in.Pid(), `\[INFO\] myservice is ready: 2 workers serving /v1`))

	resp, err := proctest.Client.Get(in.URL + "/v1/time")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		WorkerPID int  `json:"worker_pid"`
		CacheWarm bool `json:"cache_warm"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || !slices.Contains(workers, got.WorkerPID) || !got.CacheWarm {
		t.Errorf("/v1/time: %+v (%v); workers are %v", got, err, workers)
	}
	if h, want := resp.Header.Get("X-Served-By"), fmt.Sprintf("myservice worker %d", got.WorkerPID); h != want {
		t.Errorf("X-Served-By = %q, want %q from the Go pre_request hook", h, want)
	}
}

func TestEmbeddedAppLogsGoToTheErrorLog(t *testing.T) {
	dir := t.TempDir()
	errlog := filepath.Join(dir, "error.log")
	in := proctest.Launch(t, proctest.Setup{Bin: bin, Dir: dir}, "-b", "127.0.0.1:0", "--error-logfile", errlog, "api")
	in.URL = in.WaitFile(errlog, `Listening at: (\S+) \(`)[1]
	var worker int
	fmt.Sscan(in.WaitFile(errlog, `Booting worker with pid: (\d+)`)[1], &worker)
	resp, err := proctest.Client.Post(in.URL+"/v1/note?msg=pancakes", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	in.WaitFile(errlog, logLine(worker, `\[INFO\] note from log: pancakes`))
	in.WaitFile(errlog, logLine(worker, `\[INFO\] note from slog msg=pancakes`))
	if strings.Contains(in.Stderr.String(), "pancakes") {
		t.Errorf("the app's log lines also went to stderr:\n%s", in.Stderr)
	}
}

func TestEmbeddedSettingsComeFromFileAndFlag(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "Howdy, gopher!\n"},
		{[]string{"--greeting", "Hi"}, "Hi, gopher!\n"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		conf := "greeting = \"Howdy\"\napi_prefix = \"/v2\"\n"
		if err := os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		in := proctest.Start(t, proctest.Setup{Bin: bin, Dir: dir}, append([]string{"-b", "127.0.0.1:0", "api"}, tt.args...)...)
		if code, body := in.Get("/v2/hello/gopher"); code != 200 || body != tt.want {
			t.Errorf("%v: GET /v2/hello/gopher: %d %q, want %q", tt.args, code, body, tt.want)
		}
	}
}

func TestEmbeddedCommandLineNamesTheProgram(t *testing.T) {
	setup := proctest.Setup{Bin: bin, Dir: t.TempDir()}
	tests := []struct {
		args []string
		code int
		want []string // patterns over stdout and stderr
	}{
		{[]string{"-h"}, 0, []string{`(?m)^Usage: myservice \[APP\] \[flags\]$`, `myservice greets people`,
			`(?m)^myservice:\n +--greeting WORD +The word /hello/NAME greets with\. \(default: "Hello"\)$`,
			`--api-prefix PATH`, `myservice help SETTING`}},
		{[]string{"--version"}, 0, []string{`(?m)^myservice \(version devel, go1\.\S+; gocorn devel\)$`}},
		{[]string{"help", "greeting"}, 0, []string{`The word /hello/NAME greets with\.`}},
		{[]string{"help"}, 0, []string{`(?m)^Usage: myservice help SETTING\.\.\.`, `(?m)^myservice:\n  greeting api_prefix$`}},
		{[]string{"help", "greting"}, 2, []string{`myservice help: "greting" is neither a setting nor a hook \(did you mean "greeting"\?\); myservice help lists them`}},
		{[]string{"--print-config", "--greeting", "Yo", "api"}, 0, []string{`(?m)^greeting +=  ?"Yo"$`, `(?m)^api_prefix += "/v1"$`}},
		{[]string{"--check-config", "--api-prefix", "v3", "api"}, 2,
			[]string{`(?m)^myservice: error: --api-prefix: "v3": want a path starting with /`}},
		{[]string{"--check-config", "--gretting", "Yo", "api"}, 2,
			[]string{`(?m)^myservice: error: unknown flag --gretting, did you mean "--greeting"\?$`}},
	}
	for _, tt := range tests {
		code, stdout, stderr := proctest.Run(t, setup, tt.args...)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d; stderr %s", tt.args, code, tt.code, stderr)
		}
		for _, p := range tt.want {
			if !regexp.MustCompile(p).MatchString(stdout + stderr) {
				t.Errorf("%v: output does not match %s:\n%s%s", tt.args, p, stdout, stderr)
			}
		}
	}
}

func TestEmbeddedSettingErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte("workers = 2\napi_prefix = 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := proctest.Run(t, proctest.Setup{Bin: bin, Dir: dir}, "--check-config", "api")
	if want := "gocorn.conf.star:2: api_prefix: got int, want string"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}

func TestEmbeddedBinaryNamesItsApps(t *testing.T) {
	code, _, stderr := proctest.Run(t, proctest.Setup{Bin: bin, Dir: t.TempDir()}, "--check-config")
	if code != 1 || !strings.Contains(stderr, "no app given") || !strings.Contains(stderr, "myservice: check failed") || !strings.Contains(stderr, "api, health") {
		t.Errorf("no APP with two apps: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := proctest.Run(t, proctest.Setup{Bin: bin, Dir: t.TempDir()}, "--check-config", "health"); code != 0 {
		t.Errorf("check health: exit %d: %s", code, stderr)
	}
}

func TestEmbeddedGoHookFailureFailsTheBoot(t *testing.T) {
	in := proctest.Launch(t, proctest.Setup{Bin: bin, Dir: t.TempDir()}, "-b", "127.0.0.1:0", "--greeting", "", "api")
	if code := in.Wait(); code != 3 {
		t.Errorf("exit %d, want 3 (a worker could not boot); log:\n%s", code, in.Stderr)
	}
	if want := "[ERROR] Hook post_worker_init failed: Go hook: cannot warm the cache: the greeting is empty"; !strings.Contains(in.Stderr.String(), want) {
		t.Errorf("the log lacks %q:\n%s", want, in.Stderr)
	}
}
