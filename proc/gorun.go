package proc

import "path/filepath"

// startedByGoRun reports whether a master whose parent process runs
// parentExe was started by `go run`: its parent is the go command. (The
// binary's own path does not tell: go run links into a temporary
// directory the first time and, since Go 1.24, runs the copy in the build
// cache after that.)
func startedByGoRun(parentExe string) bool {
	return filepath.Base(parentExe) == "go"
}
