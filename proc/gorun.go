package proc

import (
	"path/filepath"
	"strings"
)

// builtByGoRun reports whether exe is a binary `go run` built: the go
// command links it as $WORK/bNNN/exe/NAME, $WORK being a go-build
// temporary directory.
func builtByGoRun(exe string) bool {
	return filepath.Base(filepath.Dir(exe)) == "exe" && strings.Contains(exe, string(filepath.Separator)+"go-build")
}
