package starcfg

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// withProgramSettings adds defs for the length of the test, then puts the
// table back, so other tests (the docs, the goldens) see gocorn's own.
func withProgramSettings(t *testing.T, defs []ProgramSetting) {
	t.Helper()
	oldSettings, oldSections := settings, sectionOrder
	t.Cleanup(func() {
		settings, sectionOrder = oldSettings, oldSections
		tableChanged()
	})
	if err := AddProgramSettings("myservice", defs); err != nil {
		t.Fatal(err)
	}
}

var greetingSettings = []ProgramSetting{
	{Name: "greeting", Flag: "greeting", Default: "Hello", Help: "How the API greets. Shown on /hello."},
	{Name: "cache_size", Flag: "cache-size", Metavar: "ENTRIES", Default: 100, Help: "Entries in the cache.",
		Check: func(v any) error {
			if v.(int) > 1000 {
				return errors.New("want at most 1000 entries")
			}
			return nil
		}},
	{Name: "tags", Default: []string{"a"}, Help: "Tags, config file only."},
}

func TestProgramSettingsRefusesBadDeclarations(t *testing.T) {
	ok := ProgramSetting{Name: "fine", Default: "", Help: "A fine one."}
	tests := []struct {
		name string
		defs []ProgramSetting
		want string
	}{
		{"built-in name", []ProgramSetting{{Name: "workers", Default: 1, Help: "h"}},
			`program setting "workers": the name is already a setting's`},
		{"built-in flag", []ProgramSetting{{Name: "my_workers", Flag: "workers", Default: 1, Help: "h"}},
			`program setting "my_workers": flag --workers is already taken`},
		{"kong's own flag", []ProgramSetting{{Name: "my_help", Flag: "help", Default: true, Help: "h"}},
			`flag --help is already taken`},
		{"negated built-in flag", []ProgramSetting{{Name: "nope", Flag: "no-control-socket", Default: true, Help: "h"}},
			`flag --no-control-socket is already taken`},
		{"twice in one call", []ProgramSetting{ok, ok}, `program setting "fine": the name is already a setting's`},
		{"struct default", []ProgramSetting{{Name: "pool", Default: struct{}{}, Help: "h"}},
			`program setting "pool": Default is a struct {}; want a string, int, bool, float64`},
		{"no default", []ProgramSetting{{Name: "pool", Help: "h"}}, `Default is a <nil>`},
		{"int64 default", []ProgramSetting{{Name: "pool", Default: int64(1), Help: "h"}}, `Default is a int64`},
		{"upper-case name", []ProgramSetting{{Name: "Greeting", Default: "", Help: "h"}}, `a name is lower-case letters`},
		{"flag with dashes", []ProgramSetting{{Name: "g", Flag: "--g", Default: "", Help: "h"}}, `without the leading --`},
		{"no help", []ProgramSetting{{Name: "g", Default: ""}}, `Help is empty`},
		{"negative default", []ProgramSetting{{Name: "g", Default: -1, Help: "h"}},
			`the Default -1 fails its own check: got -1, want 0 or more`},
		{"default its check refuses", []ProgramSetting{{Name: "g", Default: "x", Help: "h",
			Check: func(any) error { return errors.New("never") }}}, `the Default "x" fails its own check: never`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(settings)
			err := AddProgramSettings("myservice", tt.defs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
			if len(settings) != before {
				t.Errorf("the table grew from %d to %d settings after an error", before, len(settings))
			}
		})
	}
}

func TestProgramSettingsResolveLikeBuiltIns(t *testing.T) {
	withProgramSettings(t, greetingSettings)
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": "greeting = 'Hi'\ntags = ['x', 'y']\n"})
	tests := []struct {
		args  []string
		want  string
		cache int
	}{
		{nil, "Hi", 100},
		{[]string{"--greeting", "Howdy", "--cache-size", "7"}, "Howdy", 7},
		{[]string{"--greet=Yo"}, "Yo", 100}, // a prefix, as for built-in flags
	}
	for _, tt := range tests {
		r, err := resolveIn(t, dir, nil, tt.args...)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		got, err := Get[string](r.Config, "greeting")
		cache, _ := Get[int](r.Config, "cache_size")
		if err != nil || got != tt.want || cache != tt.cache {
			t.Errorf("%v: greeting %q, cache_size %d (%v), want %q, %d", tt.args, got, cache, err, tt.want, tt.cache)
		}
	}
	r, _ := resolveIn(t, dir, []string{"GOCORN_CMD_ARGS=--greeting Env"})
	if got, _ := Get[string](r.Config, "greeting"); got != "Env" || r.Origins["greeting"] != sourceEnvArgs {
		t.Errorf("from GOCORN_CMD_ARGS: %q from %q", got, r.Origins["greeting"])
	}
	if tags, _ := Get[[]string](r.Config, "tags"); !slices.Equal(tags, []string{"x", "y"}) {
		t.Errorf("tags = %q", tags)
	}
}

func TestProgramSettingsErrorsNameTheirSource(t *testing.T) {
	withProgramSettings(t, greetingSettings)
	tests := []struct {
		conf string
		args []string
		want string
	}{
		{"workers = 2\ncache_size = 'many'\n", nil, `gocorn.conf.star:2: cache_size: "many" is not an integer`},
		{"cache_size = 5000\n", nil, `gocorn.conf.star:1: cache_size: want at most 1000 entries`},
		{"greetng = 'x'\n", nil, `unknown setting "greetng" (did you mean "greeting"?)`},
		{"", []string{"--cache-size", "-3"}, `--cache-size`},
	}
	for _, tt := range tests {
		dir := writeFiles(t, map[string]string{"gocorn.conf.star": tt.conf})
		_, err := resolveIn(t, dir, nil, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q %v: error = %v, want it to contain %q", tt.conf, tt.args, err, tt.want)
		}
	}
}

func TestProgramSettingsShowEverywhere(t *testing.T) {
	withProgramSettings(t, greetingSettings)
	var stdout bytes.Buffer
	inv := Invocation{Args: []string{"-h"}, Dir: t.TempDir(), Stdout: &stdout, Name: "myservice",
		Description: "Greets people over HTTP."}
	if _, err := Resolve(inv); !errors.Is(err, ErrHelpShown) {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{"Usage: myservice [APP] [flags]", "Greets people over HTTP.", "\nmyservice:\n",
		"--greeting STRING", "How the API greets. (default: \"Hello\")", "--cache-size ENTRIES",
		"myservice help SETTING", "Print myservice's version"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("-h lacks %q:\n%s", want, stdout.String())
		}
	}
	r, err := resolveIn(t, t.TempDir(), nil, "--greeting", "Hey")
	if err != nil {
		t.Fatal(err)
	}
	var printed, help bytes.Buffer
	r.Config.Print(&printed)
	if !regexp.MustCompile(`\ngreeting += "Hey"\n`).MatchString(printed.String()) {
		t.Errorf("--print-config lacks the greeting:\n%s", printed.String())
	}
	if err := Help(&help, []string{"--cache-size"}); err != nil || !strings.Contains(help.String(), "Entries in the cache.") {
		t.Errorf("help --cache-size: %v\n%s", err, help.String())
	}
	if v := r.Config.StarlarkValues()["greeting"]; v == nil || v.String() != `"Hey"` {
		t.Errorf("hooks' cfg.greeting = %v", v)
	}
}

func TestProgramSettingsTravelToWorkers(t *testing.T) {
	withProgramSettings(t, greetingSettings)
	r, err := resolveIn(t, t.TempDir(), nil, "--greeting", "Hey", "-w", "3")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r.Config)
	if err != nil {
		t.Fatal(err)
	}
	var got Config
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	greeting, _ := Get[string](&got, "greeting")
	cache, _ := Get[int](&got, "cache_size")
	if greeting != "Hey" || cache != 100 || got.Workers != 3 {
		t.Errorf("decoded greeting %q, cache_size %d, workers %d from %s", greeting, cache, got.Workers, data)
	}
}

func TestGetExplainsMistakes(t *testing.T) {
	withProgramSettings(t, greetingSettings)
	cfg := Defaults()
	if _, err := Get[int](cfg, "greeting"); err == nil || err.Error() != "setting greeting is a string (string), not a int" {
		t.Errorf("wrong type: %v", err)
	}
	if _, err := Get[string](cfg, "greetin"); err == nil || !strings.Contains(err.Error(), `no setting is named "greetin"`) {
		t.Errorf("unknown name: %v", err)
	}
	if n, err := Get[int](cfg, "workers"); err != nil || n != 1 {
		t.Errorf("a built-in: %d, %v", n, err)
	}
}
