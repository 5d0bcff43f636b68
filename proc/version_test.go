package proc

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"},
		{Key: "vcs.modified", Value: "false"},
	}
	dirty := append(vcs[:2:2], debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	tests := []struct {
		name    string
		info    *debug.BuildInfo
		stamped string
		want    string
	}{
		{"no build info", nil, "", "devel, go1.26.8"},
		{"no build info, stamped", nil, "1.2.3", "1.2.3, go1.26.8"},
		{"go install @version", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v0.2.0"}},
			"", "v0.2.0, go1.26.8"},
		{"checkout", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}, Settings: vcs},
			"", "devel, commit 1a2b3c4d5e6f, go1.26.8"},
		{"dirty checkout", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}, Settings: dirty},
			"", "devel, commit 1a2b3c4d5e6f+dirty, go1.26.8"},
		{"stamp wins", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v0.2.0"}, Settings: vcs},
			"9.9.9-test", "9.9.9-test, commit 1a2b3c4d5e6f, go1.26.8"},
		{"embedded", &debug.BuildInfo{Main: debug.Module{Path: "example.com/shop", Version: "v1.4.0"},
			Deps: []*debug.Module{{Path: "github.com/go-chi/chi/v5", Version: "v5.2.0"}, {Path: modulePath, Version: "v0.3.1"}}},
			"", "v0.3.1, go1.26.8"},
		{"embedded, replaced", &debug.BuildInfo{Main: debug.Module{Path: "example.com/shop"},
			Deps: []*debug.Module{{Path: modulePath, Version: "v0.3.1", Replace: &debug.Module{Path: "../gocorn"}}}},
			"", "v0.3.1, go1.26.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionOf(tt.info, tt.stamped, "go1.26.8").String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
