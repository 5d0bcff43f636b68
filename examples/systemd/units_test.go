// Package systemd holds example systemd units for gocorn; this test
// checks them with systemd-analyze where it is installed.
package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	// verify insists that ExecStart's binary exists: stand /bin/true in
	// for /usr/local/bin/gocorn.
	dir := t.TempDir()
	var units []string
	for _, name := range []string{"gocorn.socket", "gocorn.service"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		unit := filepath.Join(dir, name)
		os.WriteFile(unit, []byte(strings.ReplaceAll(string(data), "/usr/local/bin/gocorn", "/bin/true")), 0o644)
		units = append(units, unit)
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, units...)...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
