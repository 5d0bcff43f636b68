package proc

import (
	"runtime/debug"
	"testing"

	"github.com/gocorn/gocorn/starcfg"
)

func TestProgramVersion(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"}}
	shop := &debug.BuildInfo{Main: debug.Module{Path: "example.com/shop", Version: "v1.4.0"}, Settings: vcs,
		Deps: []*debug.Module{{Path: modulePath, Version: "v0.3.1"}}}
	shopCheckout := &debug.BuildInfo{Main: debug.Module{Path: "example.com/shop", Version: "(devel)"}, Settings: vcs,
		Deps: []*debug.Module{{Path: modulePath, Version: "v0.3.1"}}}
	gocornCheckout := &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}, Settings: vcs}
	stock := Program{Name: stockName}
	myservice := Program{Name: "myservice"}
	tests := []struct {
		name    string
		p       Program
		info    *debug.BuildInfo
		stamped string
		want    string
	}{
		{"stock binary", stock, gocornCheckout, "", "devel, commit 1a2b3c4d5e6f, go1.26.8"},
		{"from the main module", myservice, shop, "", "v1.4.0, commit 1a2b3c4d5e6f, go1.26.8; gocorn v0.3.1"},
		{"declared wins", Program{Name: "myservice", Version: "2.0.0-rc1"}, shop, "",
			"2.0.0-rc1, commit 1a2b3c4d5e6f, go1.26.8; gocorn v0.3.1"},
		{"a checkout of the program", myservice, shopCheckout, "", "devel, commit 1a2b3c4d5e6f, go1.26.8; gocorn v0.3.1"},
		{"inside gocorn's module (examples)", myservice, gocornCheckout, "",
			"devel, commit 1a2b3c4d5e6f, go1.26.8; gocorn devel"},
		{"gocorn stamped", myservice, shop, "0.4.0", "v1.4.0, commit 1a2b3c4d5e6f, go1.26.8; gocorn 0.4.0"},
		{"no build info", Program{Name: "myservice", Version: "v1"}, nil, "", "v1, go1.26.8; gocorn devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := programVersion(tt.p, tt.info, tt.stamped, "go1.26.8"); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProgramTitles(t *testing.T) {
	tests := []struct {
		program, role, proc string
		want                string
	}{
		{stockName, "master", "hello", "gocorn: master [hello]"},
		{"myservice", "master", "api", "myservice: master [api]"},
		{"myservice", "worker", "api", "myservice: worker [api]"},
		{"myservice", "master", "api.2", "myservice: master [api.2]"},
	}
	for _, tt := range tests {
		if got := (Program{Name: tt.program}).title(tt.role, tt.proc); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestMasterTitleUsesTheProgramName(t *testing.T) {
	saved := theProgram
	t.Cleanup(func() { theProgram = saved })
	theProgram = Program{Name: "myservice"}
	m := &master{cfg: &starcfg.Config{App: "api"}}
	if got := m.title(); got != "myservice: master [api]" {
		t.Errorf("title = %q", got)
	}
	m.upgrade.parent = 42
	if got := m.title(); got != "myservice: master [api.2]" {
		t.Errorf("title after USR2 = %q", got)
	}
}
