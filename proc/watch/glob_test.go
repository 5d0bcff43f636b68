package watch

import (
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*.star", "a.star", true},
		{"*.star", "a.py", false},
		{"*.star", "d/a.star", false}, // * stays within a name
		{"*.star", ".a.star", false},  // hidden names need a dotted segment
		{".*.star", ".a.star", true},
		{"?.star", "ab.star", false},
		{"[ab].star", "b.star", true},
		{"**/*.html", "x.html", true}, // ** may be no directory at all
		{"**/*.html", "a/x.html", true},
		{"**/*.html", "a/b/c/x.html", true},
		{"**/*.html", "a/b/c/x.txt", false},
		{"**/*.html", "..data/x.html", false}, // ** skips hidden directories
		{"**/*.html", "a/.git/x.html", false},
		{"a/**/b/*.txt", "a/b/1.txt", true},
		{"a/**/b/*.txt", "a/x/y/b/1.txt", true},
		{"a/**/b/*.txt", "a/x/y/c/1.txt", false},
		{"**", "a/b/c", true},
		{"**", ".hidden", false},
		{"x**y/*.txt", "xzzy/1.txt", true}, // ** inside a name is *
		{"x**y/*.txt", "xz/zy/1.txt", false},
		{"**/**/*.go", "a/b.go", true},
		{"*/*", "a", false},
		{"*/*", "a/b", true},
		{"lit/*.txt", "lit/a.txt", true},
		{"lit/*.txt", "lat/a.txt", false},
	}
	for _, tt := range tests {
		segs := strings.Split(tt.pattern, "/")
		if got := matchSegs(segs, strings.Split(tt.name, "/")); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestPatternMayContain(t *testing.T) {
	tests := []struct {
		pattern, dir string // dir "" is the base itself
		want         bool
	}{
		{"*.star", "", true},
		{"*.star", "sub", false},
		{"*/*.star", "sub", true},
		{"*/*.star", "sub/deeper", false},
		{"**/*.html", "a/b/c", true},
		{"**/*.html", "a/.cache", false},
		{"a/**/b/*.txt", "a", true},
		{"a/**/b/*.txt", "c", false},
		{"a/**/b/*.txt", "a/x/y", true},
		{"x/*.txt", "x", true},
		{"x/*.txt", "x/y", false},
	}
	for _, tt := range tests {
		var dir []string
		if tt.dir != "" {
			dir = strings.Split(tt.dir, "/")
		}
		if got := mayContain(strings.Split(tt.pattern, "/"), dir); got != tt.want {
			t.Errorf("mayContain(%q, %q) = %v, want %v", tt.pattern, tt.dir, got, tt.want)
		}
	}
}

func TestParsePattern(t *testing.T) {
	tests := []struct {
		abs, base, segs, err string
	}{
		{abs: "/srv/app/conf.d/*.star", base: "/srv/app/conf.d", segs: "*.star"},
		{abs: "/srv/app/templates/**/*.html", base: "/srv/app/templates", segs: "**/*.html"},
		{abs: "/srv/*/x/../y/*.txt", base: "/srv", segs: "*/y/*.txt"}, // cleaned first
		{abs: "/*.txt", base: "/", segs: "*.txt"},
		{abs: "/srv/[a.txt", err: `bad pattern "in": syntax error in pattern`},
	}
	for _, tt := range tests {
		p, err := parsePattern("in", tt.abs)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parsePattern(%q) error = %v, want %s", tt.abs, err, tt.err)
			}
			continue
		}
		if err != nil || p.base != tt.base || strings.Join(p.segs, "/") != tt.segs {
			t.Errorf("parsePattern(%q) = %q %q %v, want %q %q", tt.abs, p.base, p.segs, err, tt.base, tt.segs)
		}
	}
}
