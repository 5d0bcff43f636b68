package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReleaseIsReproducible builds the committed HEAD twice, from two
// clones at different paths, the second with an empty build cache so that
// every package (the standard library too) is compiled again, and
// requires the same bytes. One target keeps it to about a minute of CPU;
// the flags are the same for every target.
func TestReleaseIsReproducible(t *testing.T) {
	root := moduleRoot(t)
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("not a git checkout: the release stamps the commit")
		}
		t.Fatalf("CI runs on a git checkout, but %s has no .git: %v", root, err)
	}
	amd64 := []target{{"linux", "amd64"}}
	first := buildClone(t, root, "a", nil, amd64)
	second := buildClone(t, root, "second-clone", []string{"GOCACHE=" + t.TempDir()}, amd64)
	if first != second {
		t.Fatalf("two builds of one commit differ:\n%s\n%s", first, second)
	}
	if !strings.HasSuffix(first, "  gocorn-linux-amd64\n") || len(first) != 64+2+len("gocorn-linux-amd64")+1 {
		t.Fatalf("SHA256SUMS is not in sha256sum's format: %q", first)
	}
}

// buildClone clones the repository at root into a new directory named
// name and builds a release there with env added, returning SHA256SUMS.
func buildClone(t *testing.T, root, name string, env []string, ts []target) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("git", "clone", "-q", root, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	sums, err := build(dir, filepath.Join(dir, "dist"), ts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "version", "-m", filepath.Join(dir, "dist", ts[0].name())).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "vcs.revision=") || !strings.Contains(string(out), "CGO_ENABLED=0") {
		t.Fatalf("the binary does not record its commit and a static build:\n%s", out)
	}
	return sums
}

// moduleRoot is the directory holding go.mod, two levels up from here.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}
