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
	if *update {
		if err := os.WriteFile(settingsDocPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, err := os.ReadFile(settingsDocPath)
	if err != nil || !bytes.Equal(committed, buf.Bytes()) {
		t.Fatalf("docs/settings.md is stale or missing (%v); regenerate it with:\n"+
			"\tgo test ./starcfg -run TestSettingsDoc -update", err)
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
