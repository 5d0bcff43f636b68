package starcfg

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

const settingsDocPath = "../docs/settings.md"

// TestSettingsDoc fails when docs/settings.md no longer matches the
// table. Regenerate it with: go test ./starcfg -run TestSettingsDoc -update
func TestSettingsDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSettingsDoc(&buf); err != nil {
		t.Fatal(err)
	}
	if !matchDoc(t, settingsDocPath, buf.Bytes(), "TestSettingsDoc") {
		return
	}
	doc := buf.String()
	for _, s := range settings {
		if !strings.Contains(doc, "### `"+s.name+"`") {
			t.Errorf("docs lack %s", s.name)
		}
	}
	for _, h := range hooks {
		if !strings.Contains(doc, "`"+h.name+"`") {
			t.Errorf("docs lack hook %s", h.name)
		}
	}
}

// matchDoc writes a generated doc to path under -update and returns
// false; otherwise it fails the test when the committed file differs,
// naming the test that regenerates it, and returns true.
func matchDoc(t *testing.T, path string, generated []byte, test string) bool {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, generated, 0o644); err != nil {
			t.Fatal(err)
		}
		return false
	}
	committed, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(committed, generated) {
		t.Fatalf("%s is stale or missing (%v); regenerate it with:\n"+
			"\tgo test ./starcfg -run %s -update", strings.TrimPrefix(path, "../"), err, test)
	}
	return true
}
