package accesslog

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, format string
		want         string // "" for no error; otherwise a part of the message
	}{
		{"the default", DefaultFormat, ""},
		{"json", "json", ""},
		{"every atom", "%(h)s %(l)s %(u)s %(t)s %(r)s %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s %(B)s %(f)s " +
			"%(a)s %(T)s %(M)s %(D)s %(L)s %(p)s %({x-id}i)s %({Date}O)s %({remote_port}e)s", ""},
		{"literal percent and a dangling one", "100%% %( %", ""},
		{"a descriptive name", `%(status)s`, `unknown atom %(status)s (did you mean %(s)s?); the atoms are h l u`},
		{"the wrong case", `%(S)s`, `%(S)s (did you mean %(s)s?)`},
		{"a header without its suffix", `%({X-Request-Id})s`, `%({X-Request-Id})s (did you mean %({X-Request-Id}i)s?)`},
		{"no hint", `%(zz)s`, `unknown atom %(zz)s; the atoms are`},
		{"all of them", `%(h)s %(status)s %(zz)d`, `unknown atoms %(status)s (did you mean %(s)s?), %(zz)s;`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.format)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Check(%q) = %v, want nil", tc.format, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Check(%q) = %v, want it to contain %q", tc.format, err, tc.want)
			}
		})
	}
}

// TestAtomListIsComplete: the list that messages show names every atom
// that compiles.
func TestAtomListIsComplete(t *testing.T) {
	for key := range simpleAtoms {
		if !strings.Contains(" "+AtomList+" ", " "+key+" ") {
			t.Errorf("AtomList lacks %q", key)
		}
	}
	for _, key := range strings.Fields(AtomList) {
		if err := Check("%(" + key + ")s"); err != nil {
			t.Errorf("AtomList names %q, which does not compile: %v", key, err)
		}
	}
}
