// Package systemd holds example systemd units for gocorn; this test
// checks them with systemd-analyze where it is installed.
package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestUnitsVerify(t *testing.T) {
	analyze := lookAnalyze(t)
	out, err := verify(analyze, stageUnits(t))
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// The Type=notify-reload drop-in verifies on systemd 253 and later. Older
// systemd reads it and refuses only the type it does not know yet, which
// is what the unit's comment tells their users to expect.
func TestNotifyReloadDropIn(t *testing.T) {
	analyze := lookAnalyze(t)
	dir := stageUnits(t)
	dropIns := filepath.Join(dir, "gocorn.service.d")
	os.Mkdir(dropIns, 0o755)
	copyUnit(t, "notify-reload.conf", filepath.Join(dropIns, "notify-reload.conf"))
	out, err := verify(analyze, dir)
	if version(t, analyze) >= 253 {
		if err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify with notify-reload.conf: %v\n%s", err, out)
		}
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.Contains(line, "notify-reload.conf") || !strings.HasSuffix(line, "Failed to parse service type, ignoring: notify-reload") {
			t.Errorf("systemd before 253 says more about notify-reload.conf than the unknown type:\n%s", out)
		}
	}
}

func lookAnalyze(t *testing.T) string {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	return analyze
}

// stageUnits copies the units into a directory of their own, with /bin/true
// standing in for /usr/local/bin/gocorn: verify insists that ExecStart's
// binary exists.
func stageUnits(t *testing.T) string {
	dir := t.TempDir()
	for _, name := range []string{"gocorn.socket", "gocorn.service"} {
		copyUnit(t, name, filepath.Join(dir, name))
	}
	return dir
}

func copyUnit(t *testing.T, name, to string) {
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, []byte(strings.ReplaceAll(string(data), "/usr/local/bin/gocorn", "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// verify runs systemd-analyze verify on the units in dir; it reads their
// drop-in directories there too.
func verify(analyze, dir string) ([]byte, error) {
	return exec.Command(analyze, "verify", filepath.Join(dir, "gocorn.socket"), filepath.Join(dir, "gocorn.service")).CombinedOutput()
}

// version is systemd's version number, from "systemd 252 (252.38-1)".
func version(t *testing.T, analyze string) int {
	out, err := exec.Command(analyze, "--version").Output()
	m := regexp.MustCompile(`^systemd (\d+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("systemd-analyze --version: %v: %q", err, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
