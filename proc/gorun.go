package proc

import (
	"path/filepath"
	"regexp"
	"strings"
)

// builtByGoRun reports whether exe is a binary `go run` built. The go
// command links it as $WORK/bNNN/exe/NAME, $WORK being a go-build
// temporary directory, and since Go 1.24 runs it from the build cache once
// it has been built before: $GOCACHE/HH/HASH-d/NAME, HH being the hash's
// first two hex digits. Missing the second form would leave every `go run`
// after the first orphaned and serving when killed.
func builtByGoRun(exe string) bool {
	dir := filepath.Dir(exe)
	if filepath.Base(dir) == "exe" {
		return strings.Contains(exe, string(filepath.Separator)+"go-build")
	}
	hash, shard := filepath.Base(dir), filepath.Base(filepath.Dir(dir))
	return cachedExe.MatchString(hash) && strings.HasPrefix(hash, shard)
}

// cachedExe is the name of a build cache entry holding an executable.
var cachedExe = regexp.MustCompile(`^[0-9a-f]{64}-d$`)
