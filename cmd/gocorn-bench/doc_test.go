package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSplice(t *testing.T) {
	human := "# Performance\n\nIntro by hand.\n\n" + beginMarker + "\nold table\n" + endMarker + "\n\n## Reasoning\n\nKept.\n"
	tests := []struct {
		name, doc, want, err string
	}{
		{name: "new doc", doc: "",
			want: strings.Replace(newDoc, beginMarker+"\n", beginMarker+"\nnew table\n", 1)},
		{name: "rerun keeps what is outside", doc: human,
			want: strings.Replace(human, "old table", "new table", 1)},
		{name: "no markers", doc: "# Performance\n\nAll by hand.\n", err: "lacks the markers"},
		{name: "only one marker", doc: beginMarker + "\n", err: "lacks the markers"},
		{name: "out of order", doc: endMarker + "\n" + beginMarker + "\n", err: "out of order"},
		{name: "repeated", doc: human + human, err: "repeated"},
	}
	for _, tt := range tests {
		got, err := splice(tt.doc, "new table\n\n")
		if checkErr(t, tt.name, err, tt.err) {
			continue
		}
		if got != tt.want {
			t.Errorf("%s: splice = %q;\nwant %q", tt.name, got, tt.want)
		}
	}
}

// Writing twice leaves one copy of the results, and the hand-written
// reasoning, in place.
func TestWriteDocTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "performance.md")
	for _, table := range []string{"first run\n", "second run\n"} {
		if err := writeDoc(path, table); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if strings.Contains(doc, "first run") || strings.Count(doc, "second run") != 1 || !strings.Contains(doc, "## Reasoning") {
		t.Errorf("doc after two runs:\n%s", doc)
	}
}

func TestWriteDocRefusesUnmarkedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "performance.md")
	if err := os.WriteFile(path, []byte("# By hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeDoc(path, "table\n")
	if err == nil || !strings.Contains(err.Error(), "can't update "+path) {
		t.Errorf("writeDoc: got %v, want an error naming the file", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "# By hand\n" {
		t.Errorf("the file was changed to %q", b)
	}
}
