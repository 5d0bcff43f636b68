package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// A fresh start whose workers take 3 s to load the app, with boot_timeout
// 1: the master kills them as boot timeouts and exits with the boot
// failure code, 3, long before they would have booted.
func TestBootTimeoutAtStart(t *testing.T) {
	began := time.Now()
	code, _, stderr := run(t, t.TempDir(), []string{"CHAOS_BOOT_DELAY=3"},
		"-b", "127.0.0.1:0", "-w", "2", "--boot-timeout", "1", "chaos")
	took := time.Since(began)
	if code != 3 {
		t.Fatalf("exit code %d, want 3; log:\n%s", code, stderr)
	}
	for _, pattern := range []string{
		`\[ERROR\] Worker \(pid:\d+\) did not boot within 1s \(boot_timeout\); killed after 1\.\ds`,
		`Worker \(pid:\d+\) was sent SIGKILL! \(killed by the master: boot_timeout\)`,
		`Reason: Worker failed to boot\. it did not boot within 1s \(boot_timeout\)`,
	} {
		if !regexp.MustCompile(pattern).MatchString(stderr) {
			t.Errorf("no log line matching %q in:\n%s", pattern, stderr)
		}
	}
	if took >= 3*time.Second {
		t.Errorf("the master took %s to exit; the boots would have ended in 3s", took)
	}
}

// writeConf writes gocorn.conf.star in dir with lines and returns its path.
func writeConf(t *testing.T, dir string, lines ...string) string {
	t.Helper()
	conf := filepath.Join(dir, "gocorn.conf.star")
	if err := os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

// A HUP whose workers cannot boot within boot_timeout (raw_env makes
// their app take 5 s to load) leaves the old generation serving: the new
// workers are killed as boot timeouts, tried again, and no request fails.
func TestBootTimeoutDuringHUP(t *testing.T) {
	dir := t.TempDir()
	writeConf(t, dir, `bind = ["127.0.0.1:0"]`, `workers = 2`)
	in := start(t, dir, "-w", "2", "chaos")
	old := in.Workers()
	load := proctest.StartLoad(in.URL+"/echo", 2)

	writeConf(t, dir, `bind = ["127.0.0.1:0"]`, `workers = 2`, `raw_env = ["CHAOS_BOOT_DELAY=5"]`, `boot_timeout = 1`)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Worker \(pid:\d+\) did not boot within 1s \(boot_timeout\); killed after 1\.\ds`)
	in.WaitLog(`Generation 2 cannot boot yet \(worker pid:\d+: it did not boot within 1s \(boot_timeout\)\); workers of generation \[1\] keep serving`)
	res := load.Stop()
	t.Logf("%d requests, %d failed, %d refused while generation 2 timed out", res.OK+res.Failed, res.Failed, res.Refused)
	if res.Failed+res.Refused > 0 || res.OK == 0 {
		t.Fatalf("%d ok, %d failed: %v", res.OK, res.Failed, res.Errors)
	}
	for _, pid := range old {
		if !slices.Contains(in.Workers(), pid) {
			t.Errorf("old worker %d is gone; workers now %v", pid, in.Workers())
		}
	}
	in.Signal(syscall.SIGTERM)
	if code := in.Wait(); code != 0 {
		t.Errorf("exit code %d after TERM, want 0", code)
	}
}

// bootEvent is a master log line that starts or ends a worker's boot.
var bootEvent = regexp.MustCompile(`\[DEBUG\] Worker \(pid:(\d+)\) (started|is ready)`)

// mostBooting reads the master's log in order and returns the most
// workers booting at once: started, and not yet ready.
func mostBooting(log string) int {
	booting := map[string]bool{}
	most := 0
	for _, m := range bootEvent.FindAllStringSubmatch(log, -1) {
		booting[m[1]] = m[2] == "started"
		n := 0
		for _, b := range booting {
			if b {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// 8 workers whose app takes 0.5 s to load, with max_concurrent_boots = 2:
// the start and a HUP under load boot them two at a time, the HUP rolls
// in four pairs with the old workers serving, and no request fails.
func TestMaxConcurrentBootsRollsAHUPInPairs(t *testing.T) {
	dir := t.TempDir()
	writeConf(t, dir, `bind = ["127.0.0.1:0"]`, `workers = 8`, `max_concurrent_boots = 2`, `loglevel = "debug"`)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir, Env: []string{"CHAOS_BOOT_DELAY=0.5"}}, "chaos")
	in.WaitListening()
	in.WaitLog(`(?s)(Worker \(pid:\d+\) is ready.*){8}`)
	load := proctest.StartLoad(in.URL+"/echo", 4)
	began := time.Now()
	in.Reload(2)
	took := time.Since(began)
	res := load.Stop()
	log := in.Stderr.String()
	reported := regexp.MustCompile(`Reload complete: generation 2, 8 workers ready in (\S+)`).FindStringSubmatch(log)
	t.Logf("HUP of 8 workers booting 0.5 s each, max_concurrent_boots = 2: reload complete in %s (old workers gone after %s); "+
		"%d requests, %d failed, %d refused", reported[1], took.Round(time.Millisecond), res.OK+res.Failed, res.Failed, res.Refused)
	if res.Failed+res.Refused > 0 || res.OK == 0 {
		t.Errorf("%d ok, %d failed: %v", res.OK, res.Failed, res.Errors)
	}
	if most := mostBooting(log); most != 2 {
		t.Errorf("at most %d workers booted at once, want 2", most)
	}
	if d, err := time.ParseDuration(reported[1]); err != nil || d < 2*time.Second {
		t.Errorf("the reload took %s, want 2s or more (four pairs of 0.5s boots)", reported[1])
	}
	if n := strings.Count(log, "is ready"); n != 16 {
		t.Errorf("%d workers said ready, want 16 (8 at start, 8 on HUP)", n)
	}
}
