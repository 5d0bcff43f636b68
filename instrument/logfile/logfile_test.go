package logfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustWrite(t *testing.T, f *File, s string) {
	t.Helper()
	if n, err := f.Write([]byte(s)); err != nil || n != len(s) {
		t.Fatalf("Write(%q) = %d, %v", s, n, err)
	}
}

func TestRotateThenReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	f, err := Open(path, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	mustWrite(t, f, "one\n")
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil { // logrotate's mv
		t.Fatal(err)
	}
	mustWrite(t, f, "two\n") // still the old inode, as gunicorn before USR1
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, f, "three\n")

	if got, want := readFile(t, rotated), "one\ntwo\n"; got != want {
		t.Errorf("rotated file = %q, want %q", got, want)
	}
	if got, want := readFile(t, path), "three\n"; got != want {
		t.Errorf("new file = %q, want %q", got, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&^0o644 != 0 {
		t.Errorf("new file mode: %v, %v", fi.Mode(), err)
	}
}

func TestOpenAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, f, "new\n")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path), "old\nnew\n"; got != want {
		t.Errorf("file = %q, want %q", got, want)
	}
}

func TestOpenMissingDirNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "error.log")
	_, err := Open(path, os.Stderr)
	if err == nil {
		t.Fatal("Open succeeded in a missing directory")
	}
	if !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %q should name %s and wrap ErrNotExist", err, path)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created the directory: %v", err)
	}
}

func TestReopenFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "logs")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(sub, "access.log")
	f, err := Open(path, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	moved := filepath.Join(dir, "moved")
	if err := os.Rename(sub, moved); err != nil { // the directory is gone
		t.Fatal(err)
	}
	if err := f.Reopen(); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Reopen = %v, want an error naming %s", err, path)
	}
	mustWrite(t, f, "still here\n")
	if got, want := readFile(t, filepath.Join(moved, "access.log")), "still here\n"; got != want {
		t.Errorf("old file = %q, want %q", got, want)
	}
}

func TestDashIsStd(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()

	f, err := Open("-", w)
	if err != nil {
		t.Fatal(err)
	}
	if f.Path() != "-" {
		t.Errorf("Path() = %q", f.Path())
	}
	mustWrite(t, f, "hello\n")
	if err := f.Reopen(); err != nil {
		t.Errorf("Reopen of - = %v, want nil", err)
	}
	mustWrite(t, f, "again\n")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Close must leave the standard stream open.
	if _, err := w.Write([]byte("after\n")); err != nil {
		t.Fatalf("std stream closed by Close: %v", err)
	}
	br := bufio.NewReader(r)
	for _, want := range []string{"hello\n", "again\n", "after\n"} {
		got, err := br.ReadString('\n')
		if err != nil || got != want {
			t.Fatalf("read %q, %v; want %q", got, err, want)
		}
	}
	if _, err := Open("-", nil); err == nil {
		t.Error(`Open("-", nil) succeeded`)
	}
}

func TestClosed(t *testing.T) {
	f, err := Open(filepath.Join(t.TempDir(), "x.log"), os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("x\n")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v", err)
	}
	if err := f.Reopen(); !errors.Is(err, ErrClosed) {
		t.Errorf("Reopen after Close = %v", err)
	}
	if err := f.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
}

// A full disk must come back as an error, not a panic or a hang.
func TestWriteErrorReturned(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	f, err := Open("/dev/full", os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for range 3 {
		n, err := f.Write([]byte("line\n"))
		if !errors.Is(err, syscall.ENOSPC) || n != 0 {
			t.Fatalf("Write to /dev/full = %d, %v; want ENOSPC", n, err)
		}
	}
}

// Lines from concurrent writers stay whole, also across a rotation.
func TestConcurrentWholeLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	f, err := Open(path, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	const writers, lines = 8, 500
	pad := strings.Repeat("x", 3000) // beyond PIPE_BUF, to catch interleaving
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				if _, err := fmt.Fprintf(f, "w%d i%d %s end\n", w, i, pad); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	rotated := path + ".1"
	wg.Go(func() {
		if err := os.Rename(path, rotated); err != nil {
			t.Error(err)
			return
		}
		if err := f.Reopen(); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	seen := make(map[string]bool)
	for _, p := range []string{rotated, path} {
		text := readFile(t, p)
		if text != "" && !strings.HasSuffix(text, "\n") {
			t.Errorf("%s does not end with a newline", p)
		}
		for line := range strings.Lines(text) {
			var w, i int
			var body string
			if _, err := fmt.Sscanf(line, "w%d i%d %s end\n", &w, &i, &body); err != nil || body != pad {
				t.Fatalf("torn line in %s: %.60q... (%v)", p, line, err)
			}
			key := fmt.Sprint(w, i)
			if seen[key] {
				t.Fatalf("duplicate line %s", key)
			}
			seen[key] = true
		}
	}
	if len(seen) != writers*lines {
		t.Errorf("got %d lines, want %d", len(seen), writers*lines)
	}
}

// A file that cannot be written (a full disk) returns the error and stays
// usable; the complaint goes to stderr at most once a minute.
func TestFullDiskIsReported(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	f, err := Open("/dev/full", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for range 3 {
		if _, err := f.Write([]byte("line\n")); err == nil {
			t.Fatal("a write to /dev/full succeeded")
		}
	}
	if f.failures != 3 || f.complained.IsZero() {
		t.Errorf("failures %d, complained at %v", f.failures, f.complained)
	}
}

// Move writes to another path from now on, and back to a standard
// stream; a path that cannot be opened keeps the old one.
func TestMove(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	f, err := Open(a, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write([]byte("one\n"))
	if err := f.Move(b, os.Stderr); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("two\n"))
	if err := f.Move(filepath.Join(dir, "missing", "c.log"), os.Stderr); err == nil {
		t.Error("moving to a missing directory succeeded")
	}
	f.Write([]byte("three\n"))
	for path, want := range map[string]string{a: "one\n", b: "two\nthree\n"} {
		if got, _ := os.ReadFile(path); string(got) != want {
			t.Errorf("%s holds %q, want %q", path, got, want)
		}
	}
	if f.Path() != b {
		t.Errorf("Path() = %q, want %q", f.Path(), b)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := f.Move("-", w); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("four\n"))
	w.Close()
	if got, _ := io.ReadAll(r); string(got) != "four\n" || f.Path() != "-" {
		t.Errorf("after Move(-): std got %q, Path %q", got, f.Path())
	}
}

// DupOnto points another descriptor at the log, and again at the new
// file after a rotation, as capture_output does with stdout and stderr.
func TestDupOnto(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "error.log")
	f, err := Open(path, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stand, err := os.Create(filepath.Join(dir, "stand-in")) // plays fd 1
	if err != nil {
		t.Fatal(err)
	}
	defer stand.Close()
	fd := int(stand.Fd())
	writeFD := func(s string) {
		if _, err := syscall.Write(fd, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.DupOnto(fd); err != nil {
		t.Fatal(err)
	}
	writeFD("before\n")
	os.Rename(path, path+".1")
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	if err := f.DupOnto(fd); err != nil {
		t.Fatal(err)
	}
	writeFD("after\n")
	if got := readFile(t, path+".1"); got != "before\n" {
		t.Errorf("rotated file %q", got)
	}
	if got := readFile(t, path); got != "after\n" {
		t.Errorf("new file %q", got)
	}
	if got := readFile(t, filepath.Join(dir, "stand-in")); got != "" {
		t.Errorf("the descriptor's own file got %q", got)
	}
	std, _ := Open("-", os.Stderr)
	if err := std.DupOnto(fd); err != nil {
		t.Errorf("DupOnto on a standard stream: %v", err)
	}
	f.Close()
	if err := f.DupOnto(fd); !errors.Is(err, ErrClosed) {
		t.Errorf("DupOnto after Close: %v", err)
	}
}
