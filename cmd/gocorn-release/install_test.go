package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testVersion is the version the fake module proxy serves the checkout
// as: new for every run, since the module cache keeps what it once
// downloaded under a version (and the test removes it at the end).
var testVersion = "v0.0.0-installtest." + strconv.FormatInt(time.Now().UnixNano(), 10)

// TestGoInstallAtVersion runs the documented install, `go install
// github.com/gocorn/gocorn/cmd/gocorn@VERSION`, against a module proxy
// on disk that serves this checkout's committed files as VERSION (the
// dependencies come from the usual proxy or the module cache), and checks
// that the installed binary's --version names that version and the Go
// release, as the build info records them.
func TestGoInstallAtVersion(t *testing.T) {
	root := moduleRoot(t)
	files, err := exec.Command("git", "-C", root, "ls-files").Output()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("git ls-files: %v", err)
		}
		t.Skip("not a git checkout")
	}
	proxy := t.TempDir()
	serveModule(t, proxy, root, strings.Fields(string(files)))
	t.Cleanup(func() { forgetModule(t) })
	gobin := t.TempDir()
	cmd := exec.Command("go", "install", modulePath+"/cmd/gocorn@"+testVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=",
		"GOPROXY=file://"+proxy+","+goEnv(t, "GOPROXY"),
		"GONOSUMDB="+modulePath) // the checksum database has never seen this version
	cmd.Dir = t.TempDir() // outside the module, as a user runs it
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "gocorn"), "--version").CombinedOutput()
	want := "gocorn (version " + testVersion + ", " + goEnv(t, "GOVERSION") + ")\n"
	if err != nil || string(out) != want {
		t.Fatalf("gocorn --version: %q (%v), want %q", out, err, want)
	}
}

// modulePath is gocorn's module.
const modulePath = "github.com/gocorn/gocorn"

// serveModule lays out a module proxy in dir (GOPROXY=file://dir)
// serving the files of the module at root as testVersion. Files of nested
// modules are left out, as the go command leaves them out of a module.
func serveModule(t *testing.T, dir, root string, files []string) {
	t.Helper()
	v := filepath.Join(dir, modulePath, "@v")
	must(t, os.MkdirAll(v, 0o755))
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(v, testVersion+".mod"), mod, 0o644))
	must(t, os.WriteFile(filepath.Join(v, testVersion+".info"),
		[]byte(`{"Version":"`+testVersion+`","Time":"2026-12-01T00:00:00Z"}`), 0o644))
	must(t, os.WriteFile(filepath.Join(v, "list"), []byte(testVersion+"\n"), 0o644))
	f, err := os.Create(filepath.Join(v, testVersion+".zip"))
	must(t, err)
	defer f.Close()
	z := zip.NewWriter(f)
	for _, name := range files {
		if inNestedModule(name, files) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, name))
		must(t, err)
		w, err := z.Create(modulePath + "@" + testVersion + "/" + name)
		must(t, err)
		_, err = w.Write(data)
		must(t, err)
	}
	must(t, z.Close())
}

// inNestedModule reports whether name lies below a directory, other than
// the root, that holds a go.mod of its own.
func inNestedModule(name string, files []string) bool {
	for _, f := range files {
		if d, ok := strings.CutSuffix(f, "/go.mod"); ok && strings.HasPrefix(name, d+"/") {
			return true
		}
	}
	return false
}

// forgetModule removes testVersion from the module cache, whose files
// the go command makes read-only.
func forgetModule(t *testing.T) {
	cache := goEnv(t, "GOMODCACHE")
	for _, p := range []string{
		filepath.Join(cache, modulePath+"@"+testVersion),
		filepath.Join(cache, "cache", "download", modulePath, "@v", testVersion+".*"),
	} {
		matches, _ := filepath.Glob(p)
		for _, m := range matches {
			filepath.WalkDir(m, func(path string, d os.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					os.Chmod(path, 0o755)
				}
				return nil
			})
			os.RemoveAll(m)
		}
	}
}

// goEnv is one of the go command's settings.
func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	must(t, err)
	return strings.TrimSpace(string(out))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
