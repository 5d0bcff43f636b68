package watch

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// IsPattern reports whether a reload_extra_files entry is a glob pattern
// rather than a literal path: whether it holds *, ? or [, as in
// gunicorn (Python's glob.has_magic).
func IsPattern(s string) bool {
	return strings.ContainsAny(s, "*?[")
}

// pattern is a glob split at its first wildcard segment: base is the
// directory to search from and segs the rest, one entry per path
// segment. A segment "**" matches any number of directories, including
// none; any other segment is matched against one name with path.Match.
type pattern struct {
	text string // as given
	base string // absolute, cleaned, free of wildcards
	segs []string
}

// parsePattern splits an absolute glob and checks each segment's syntax.
func parsePattern(text, abs string) (pattern, error) {
	all := strings.Split(filepath.ToSlash(filepath.Clean(abs)), "/")
	i := 0
	for i < len(all) && !IsPattern(all[i]) {
		i++
	}
	p := pattern{text: text, base: filepath.FromSlash(strings.Join(all[:i], "/")), segs: all[i:]}
	if p.base == "" {
		p.base = "/"
	}
	for _, s := range p.segs {
		if _, err := path.Match(s, ""); err != nil {
			return pattern{}, fmt.Errorf("bad pattern %q: %v", text, err)
		}
	}
	return p, nil
}

// match reports whether a path below the base, given as its segments,
// matches the whole pattern.
func (p pattern) match(names []string) bool { return matchSegs(p.segs, names) }

// mayContain reports whether the directory below the base given by its
// segments could hold a match, so the search must descend into it.
func (p pattern) mayContain(dir []string) bool { return mayContain(p.segs, dir) }

func matchSegs(pat, names []string) bool {
	if len(pat) == 0 {
		return len(names) == 0
	}
	if pat[0] == "**" {
		if matchSegs(pat[1:], names) {
			return true
		}
		return len(names) > 0 && !hidden(names[0]) && matchSegs(pat, names[1:])
	}
	return len(names) > 0 && matchName(pat[0], names[0]) && matchSegs(pat[1:], names[1:])
}

// mayContain reports whether some path dir/x/... (at least one segment
// more than dir) matches pat.
func mayContain(pat, dir []string) bool {
	if len(pat) == 0 {
		return false
	}
	if len(dir) == 0 {
		return true
	}
	if pat[0] == "**" {
		if mayContain(pat[1:], dir) {
			return true
		}
		return !hidden(dir[0]) && mayContain(pat, dir[1:])
	}
	return matchName(pat[0], dir[0]) && mayContain(pat[1:], dir[1:])
}

// matchName matches one segment against one name. As in Python's glob,
// a wildcard does not match a name that starts with a dot unless the
// segment starts with one too: "*.star" skips ".x.star.swp", and the
// "..data" and "..2026_…" entries of a Kubernetes ConfigMap volume stay
// out of "**". A "**" inside a longer segment ("a**b") acts like "*".
func matchName(seg, name string) bool {
	if !IsPattern(seg) {
		return seg == name
	}
	if hidden(name) && !strings.HasPrefix(seg, ".") {
		return false
	}
	ok, _ := path.Match(seg, name) // syntax checked by parsePattern
	return ok
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") }
