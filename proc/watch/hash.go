package watch

import (
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// state is what a check records about one file: missing, present with
// the sha256 of its content, or something that is not a readable regular
// file. Each is distinct from the others; the zero state is missing.
type state struct {
	kind kind
	sum  [sha256.Size]byte
}

type kind uint8

const (
	missing    kind = iota
	regular         // sum holds the content's sha256
	notRegular      // a directory, FIFO or device: never read
	unreadable      // exists, but opening or reading it failed
)

// racyWindow is how long after its last change a file's hash stays
// unproven: a second write in the same timestamp tick would leave size,
// mtime and ctime unchanged (git's "racy clean" problem), so such files
// are hashed again on every check until they are older.
const racyWindow = 2 * time.Second

// hasher hashes files, skipping the read when the file is provably the
// one it hashed last time: same device, inode, size, mode, mtime and
// ctime (on Linux; elsewhere size, mode and mtime), last changed more
// than racyWindow before it was hashed. Polling every second then costs a
// stat per file, not a read of the whole executable.
type hasher struct {
	cache  map[string]cached
	settle time.Duration // racyWindow; shorter in tests
}

type cached struct {
	id    fileID
	state state
}

// fileID is what must stay the same for a cached hash to stand.
type fileID struct {
	dev, ino     uint64
	size         int64
	mode         fs.FileMode
	mtime, ctime int64 // Unix nanoseconds
}

func newHasher() *hasher { return &hasher{cache: map[string]cached{}, settle: racyWindow} }

// states hashes every file, following symbolic links, and forgets cached
// hashes of files no longer asked about.
func (h *hasher) states(files []string) map[string]state {
	out := make(map[string]state, len(files))
	for _, f := range files {
		out[f] = h.state(f)
	}
	for f := range h.cache {
		if _, ok := out[f]; !ok {
			delete(h.cache, f)
		}
	}
	return out
}

func (h *hasher) state(name string) state {
	now := time.Now()
	fi, err := os.Stat(name) // before Open: opening a FIFO would block
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		delete(h.cache, name)
		return state{kind: missing}
	case err != nil:
		return state{kind: unreadable}
	case !fi.Mode().IsRegular():
		return state{kind: notRegular}
	}
	f, err := os.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return state{kind: missing}
		}
		return state{kind: unreadable}
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return state{kind: unreadable} // replaced between Stat and Open: the next check sees it
	}
	id := idOf(fi)
	if c, ok := h.cache[name]; ok && c.id == id {
		return c.state
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return state{kind: unreadable}
	}
	st := state{kind: regular}
	sum.Sum(st.sum[:0])
	if settled := now.Add(-h.settle).UnixNano(); id.mtime < settled && id.ctime < settled {
		h.cache[name] = cached{id: id, state: st}
	} else {
		delete(h.cache, name)
	}
	return st
}

func idOf(fi fs.FileInfo) fileID {
	dev, ino, ctime := sysID(fi)
	return fileID{dev: dev, ino: ino, size: fi.Size(), mode: fi.Mode(), mtime: fi.ModTime().UnixNano(), ctime: ctime}
}
