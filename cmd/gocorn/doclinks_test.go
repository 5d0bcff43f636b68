package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestDocLinks checks that every relative link in the repository's
// markdown files names a file that exists and, for a #fragment into a
// markdown file, a heading it has: a renamed page or section breaks the
// test, not the reader.
func TestDocLinks(t *testing.T) {
	pages := markdownPages(t)
	anchors := map[string]map[string]bool{}
	for _, page := range pages {
		links, err := markdownLinks(filepath.Join(repoRoot, page))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links {
			if problem := checkLink(filepath.Join(repoRoot, page), l.target, anchors); problem != "" {
				t.Errorf("%s:%d: link %q: %s", page, l.line, l.target, problem)
			}
		}
	}
}

// mdLink is one link in a page.
type mdLink struct {
	line   int
	target string
}

var linkTarget = regexp.MustCompile(`\]\(([^()\s]+)\)`)

// markdownLinks returns the relative links of a page, outside fenced code.
func markdownLinks(path string) ([]mdLink, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mdLink
	fenced := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(text), "```") {
			fenced = !fenced
		}
		if fenced {
			continue
		}
		for _, m := range linkTarget.FindAllStringSubmatch(text, -1) {
			if !strings.Contains(m[1], "://") && !strings.HasPrefix(m[1], "mailto:") {
				out = append(out, mdLink{n, m[1]})
			}
		}
	}
	return out, sc.Err()
}

// checkLink says what is wrong with target as linked from page, or "".
// anchors caches each markdown file's heading anchors.
func checkLink(page, target string, anchors map[string]map[string]bool) string {
	file, frag, _ := strings.Cut(target, "#")
	path := page
	if file != "" {
		path = filepath.Join(filepath.Dir(page), file)
		if _, err := os.Stat(path); err != nil {
			return "no such file"
		}
	}
	if frag == "" || !strings.HasSuffix(path, ".md") {
		return ""
	}
	if anchors[path] == nil {
		a, err := headingAnchors(path)
		if err != nil {
			return err.Error()
		}
		anchors[path] = a
	}
	if !anchors[path][frag] {
		return "no heading with that anchor"
	}
	return ""
}

// headingAnchors returns the anchors GitHub gives the headings of a
// markdown file.
func headingAnchors(path string) (map[string]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	fenced := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
		}
		if !fenced && strings.HasPrefix(line, "#") {
			out[anchorOf(strings.TrimLeft(line, "#"))] = true
		}
	}
	return out, nil
}

// anchorOf is GitHub's anchor for a heading's text: lower case, spaces as
// hyphens, punctuation other than - and _ dropped.
func anchorOf(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestAnchorOf(t *testing.T) {
	tests := map[string]string{
		" Health probes":                               "health-probes",
		" `server`":                                    "server",
		" Upgrading the binary (USR2)":                 "upgrading-the-binary-usr2",
		" Reloading: HUP and `reload = True`":          "reloading-hup-and-reload--true",
		" `req` (in `pre_request` and `post_request`)": "req-in-pre_request-and-post_request",
	}
	for heading, want := range tests {
		if got := anchorOf(heading); got != want {
			t.Errorf("anchorOf(%q) = %q, want %q", heading, got, want)
		}
	}
}

func TestMarkdownLinksAndTheirProblems(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.md")
	os.WriteFile(page, []byte("# A page\n\n## Its `second` part\n\n"+
		"[ok](other.md) [anchor](other.md#far-heading) [here](#its-second-part)\n"+
		"[web](https://example.com/x.md) [gone](missing.md) [bad anchor](other.md#nowhere)\n"+
		"```python\nx = a[0](b)\n```\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "other.md"), []byte("# Far heading\n"), 0o644)
	links, err := markdownLinks(page)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"other.md": "", "other.md#far-heading": "", "#its-second-part": "",
		"missing.md": "no such file", "other.md#nowhere": "no heading with that anchor",
	}
	if len(links) != len(want) {
		t.Fatalf("got links %v, want the %d relative ones outside code", links, len(want))
	}
	anchors := map[string]map[string]bool{}
	for _, l := range links {
		if got := checkLink(page, l.target, anchors); got != want[l.target] {
			t.Errorf("checkLink(%q) = %q, want %q", l.target, got, want[l.target])
		}
	}
}
