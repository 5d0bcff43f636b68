package starcfg

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// gunicornSetting is one line of testdata/gunicorn-settings.txt.
type gunicornSetting struct {
	name, flags, arg, value, answer string
	line                            int
}

// readGunicornSettings reads the list of all of gunicorn's settings.
func readGunicornSettings(t *testing.T) []gunicornSetting {
	t.Helper()
	f, err := os.Open("testdata/gunicorn-settings.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []gunicornSetting
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, " | ")
		if len(cols) != 5 {
			t.Fatalf("gunicorn-settings.txt:%d: want 5 columns, got %d", n, len(cols))
		}
		out = append(out, gunicornSetting{cols[0], cols[1], cols[2], cols[3], cols[4], n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGunicornSettings pushes every gunicorn setting through its flag and
// through the config file, and checks gocorn's answer: implemented ones
// take effect without a warning, ignored ones draw exactly one warning
// that says why, refused ones fail with the gocorn way, and no answer is
// a "did you mean" toward another setting.
func TestGunicornSettings(t *testing.T) {
	all := readGunicornSettings(t)
	if len(all) != 118 {
		t.Errorf("the list has %d settings; gunicorn 26.1.0 has 118", len(all))
	}
	cert, key := pemFiles(t)
	dir := writeFiles(t, map[string]string{"other.star": "", "cert.pem": cert, "key.pem": key, "ca.pem": cert})
	for _, g := range all {
		t.Run(g.name, func(t *testing.T) {
			for _, flag := range strings.Split(g.flags, ",") {
				if flag == "-" {
					break
				}
				args := []string{flag}
				if g.arg != "-" {
					args = append(args, g.arg)
				}
				checkAnswer(t, g, "command line", dir, args)
			}
			if file := gunicornFileLine(g); file != "" {
				name := g.name + ".star"
				if err := os.WriteFile(dir+"/"+name, []byte(file), 0o644); err != nil {
					t.Fatal(err)
				}
				checkAnswer(t, g, name+":1", dir, []string{"-c", name})
			}
		})
	}
}

// gunicornFileLine is a config file that sets g, or "" when g has no
// config-file form to try.
func gunicornFileLine(g gunicornSetting) string {
	switch {
	case g.answer == "hook":
		return fmt.Sprintf("def %s(*args):\n    pass\n", g.name)
	case g.answer == "refused-hook":
		return fmt.Sprintf("def %s(*args):\n    return None\n", g.name)
	case g.value == "-":
		return ""
	}
	return g.name + " = " + g.value + "\n"
}

// checkAnswer resolves args in dir and checks the answer for g; origin
// is where an applied value must say it came from.
func checkAnswer(t *testing.T, g gunicornSetting, origin, dir string, args []string) {
	t.Helper()
	r, err := resolveIn(t, dir, nil, args...)
	if err != nil && strings.Contains(err.Error(), "did you mean") {
		t.Fatalf("%q: %v", args, err)
	}
	switch g.answer {
	case "refused", "refused-hook":
		if err == nil || !strings.Contains(err.Error(), "cannot honour it: ") && !strings.Contains(err.Error(), "never calls: ") {
			t.Errorf("%q: error %v, want a refusal that names the gocorn way", args, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	var warned []string
	for _, w := range r.Config.IgnoredSettings() {
		if strings.HasPrefix(w, g.name+" ") {
			warned = append(warned, w)
		}
	}
	switch g.answer {
	case "hook":
		if r.Hooks[g.name] == nil {
			t.Errorf("%q: hook not loaded", args)
		}
	case "implemented":
		s := settingsByName[g.name]
		if s == nil {
			s = gunicornSpelling(g.name)
		}
		if s == nil || len(warned) > 0 || r.Origins[s.name] != origin {
			t.Errorf("%q: origin %q, warnings %q; want the value applied from %s without a warning", args, r.Origins[g.name], warned, origin)
		}
	case "ignored":
		// A switch whose default is already True (suppress_ragged_eofs)
		// changes nothing from the command line, so it draws no warning.
		want := 1
		if origin == "command line" && g.arg == "-" && settingsByName[g.name].def == true {
			want = 0
		}
		if len(warned) != want || want == 1 && !strings.Contains(warned[0], " but ignored: ") {
			t.Errorf("%q: warnings %q, want %d that says why it is ignored", args, warned, want)
		}
	default:
		t.Fatalf("gunicorn-settings.txt:%d: unknown answer %q", g.line, g.answer)
	}
}
