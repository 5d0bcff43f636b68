package proc

import (
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// Version, when a build stamps it (go build -ldflags "-X
// github.com/gocorn/gocorn/proc.Version=1.2.3"), replaces the module version
// the Go toolchain records. Left empty, --version and the log report what
// the build info says: the version `go install ...@VERSION` fetched, the
// commit a checkout was built from, and the Go release.
var Version = ""

// modulePath is gocorn's module, looked up in the build info when gocorn
// is a dependency of the binary rather than its main module.
const modulePath = "github.com/gocorn/gocorn"

// buildVersion is what --version prints about the running binary.
type buildVersion struct {
	Module string // "v0.2.0", "devel" for a build from a checkout
	Commit string // short VCS revision, "" when the build recorded none
	Dirty  bool   // the checkout had uncommitted changes
	Go     string // "go1.26.8"
}

// String reads "v0.2.0, commit 1a2b3c4d5e6f, go1.26.8".
func (v buildVersion) String() string {
	parts := []string{v.Module}
	if v.Commit != "" {
		c := "commit " + v.Commit
		if v.Dirty {
			c += "+dirty"
		}
		parts = append(parts, c)
	}
	parts = append(parts, v.Go)
	return strings.Join(parts, ", ")
}

// versionOf decides the version from build info (nil when the binary has
// none), a stamped version and the Go release: the stamp wins, then
// gocorn's module version, then "devel".
func versionOf(info *debug.BuildInfo, stamped, goVersion string) buildVersion {
	v := buildVersion{Module: "devel", Go: goVersion}
	if info == nil {
		if stamped != "" {
			v.Module = stamped
		}
		return v
	}
	if m := gocornModule(info); m != "" && m != "(devel)" {
		v.Module = m
	}
	if stamped != "" {
		v.Module = stamped
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value[:min(len(s.Value), 12)]
		case "vcs.modified":
			v.Dirty = s.Value == "true"
		}
	}
	return v
}

// gocornModule is gocorn's module version in info, whether gocorn is the
// main module or a dependency of a program that embeds it.
func gocornModule(info *debug.BuildInfo) string {
	if info.Main.Path == modulePath {
		return info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == modulePath {
			if d.Replace != nil && d.Replace.Version != "" {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

// runningVersion is the running program's version as --version, the log
// and the worker pipe's Ready message give it (see programVersion); a
// worker whose version differs from its master's was built from other
// code. It is read once, after Run has set the program.
var runningVersion = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return programVersion(theProgram, info, Version, runtime.Version())
})
