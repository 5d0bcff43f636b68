package starcfg

import (
	"reflect"
	"testing"
)

// TestReloadSettings covers reload, reload_engine and reload_extra_files
// from the file and the command line; relative extra files are checked
// against the invocation's directory, not the test's.
func TestReloadSettings(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"templates/index.html": "",
		"gocorn.conf.star":     "reload = True\nreload_extra_files = ['templates/index.html', 'conf.d/*.star']\n",
		"missing.star":         "reload_extra_files = ['templates/index.html', 'templates/gone.html']\n",
	})
	r, err := resolveIn(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config
	if !c.Reload || c.ReloadEngine != "auto" || !reflect.DeepEqual(c.ReloadExtraFiles, []string{"templates/index.html", "conf.d/*.star"}) {
		t.Errorf("reload=%v reload_engine=%q reload_extra_files=%q", c.Reload, c.ReloadEngine, c.ReloadExtraFiles)
	}

	// Flags: a repeated --reload-extra-file replaces the file's list.
	r, err = resolveIn(t, dir, nil, "--reload-engine", "inotify", "--reload-extra-file", "gocorn.conf.star", "--reload-extra-file", "**/*.html")
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Config; c.ReloadEngine != "inotify" || !reflect.DeepEqual(c.ReloadExtraFiles, []string{"gocorn.conf.star", "**/*.html"}) {
		t.Errorf("reload_engine=%q reload_extra_files=%q", c.ReloadEngine, c.ReloadExtraFiles)
	}

	errs := []struct {
		args []string
		want string
	}{
		{[]string{"-c", "missing.star"},
			`config: missing.star:1: reload_extra_files: "templates/gone.html" does not exist (only a pattern, with *, ? or [, may match nothing)`},
		{[]string{"--reload-extra-file", "nope.txt"},
			`gocorn: error: --reload-extra-file: "nope.txt" does not exist (only a pattern, with *, ? or [, may match nothing)`},
		{[]string{"--reload-extra-file", ""}, `gocorn: error: --reload-extra-file: an entry is empty`},
		{[]string{"--reload-engine", "pol"},
			`gocorn: error: --reload-engine: "pol" is not a reload engine (want auto, inotify or poll) (did you mean "poll"?)`},
	}
	for _, tt := range errs {
		if _, err := resolveIn(t, dir, nil, tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("%q: error = %v\nwant %s", tt.args, err, tt.want)
		}
	}
}
