package logfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Lines wait for the interval (or a full buffer), then go out in order;
// Reopen and Close write what waits.
func TestBuffered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	f, err := Open(path, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBuffered(f, time.Hour)
	b.Write([]byte("one\n"))
	b.Write([]byte("two\n"))
	if got := readFile(t, path); got != "" {
		t.Fatalf("written before the interval: %q", got)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "one\ntwo\n" {
		t.Fatalf("after Flush: %q", got)
	}
	line := strings.Repeat("x", 1023) + "\n"
	for range bufferSize / len(line) {
		b.Write([]byte(line))
	}
	if got := readFile(t, path); len(got) != len("one\ntwo\n")+bufferSize {
		t.Fatalf("a full buffer was not written: %d bytes", len(got))
	}
	b.Write([]byte("before rotation\n"))
	os.Rename(path, path+".1")
	b.Reopen()
	b.Write([]byte("after rotation\n"))
	b.Close()
	if old := readFile(t, path+".1"); !strings.HasSuffix(old, "before rotation\n") {
		t.Errorf("the rotated file ends %q", old[max(len(old)-20, 0):])
	}
	if got := readFile(t, path); got != "after rotation\n" {
		t.Errorf("the new file holds %q", got)
	}
	if _, err := b.Write([]byte("late\n")); err != ErrClosed {
		t.Errorf("a write after Close: %v", err)
	}
}

// Without a flush, the interval writes the lines; concurrent writers'
// lines stay whole.
func TestBufferedInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	f, _ := Open(path, os.Stdout)
	b := NewBuffered(f, 20*time.Millisecond)
	defer b.Close()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 100 {
				b.Write([]byte(fmt.Sprintf("writer %d line %d\n", w, i)))
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(readFile(t, path), "\n") < 400 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines, want 400", len(lines))
	}
	for _, l := range lines {
		var w, i int
		if n, _ := fmt.Sscanf(l, "writer %d line %d", &w, &i); n != 2 {
			t.Errorf("a broken line: %q", l)
		}
	}
}

// An interval of 0 writes at once.
func TestBufferedOff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	f, _ := Open(path, os.Stdout)
	b := NewBuffered(f, 0)
	defer b.Close()
	b.Write([]byte("now\n"))
	if got := readFile(t, path); got != "now\n" {
		t.Errorf("got %q", got)
	}
}
