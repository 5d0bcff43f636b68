//go:build !linux

package proc

// acceptQueue cannot be read outside Linux: see backlog_linux.go.
func acceptQueue([]*socket) (int, bool) { return 0, false }
