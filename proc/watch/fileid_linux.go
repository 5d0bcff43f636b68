package watch

import (
	"io/fs"
	"syscall"
)

// sysID is the file's device, inode and change time: a file replaced by
// another, or rewritten with its mtime put back, still counts as new.
func sysID(fi fs.FileInfo) (dev, ino uint64, ctime int64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0
	}
	return st.Dev, st.Ino, st.Ctim.Nano()
}
