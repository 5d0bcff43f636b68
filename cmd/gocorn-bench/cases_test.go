package main

import (
	"strings"
	"testing"
)

func TestSelectCases(t *testing.T) {
	tests := []struct {
		only, want, err string
	}{
		{"", "bare sync gthread1 gthread gthread4 observed fasthttp gunicorn-sync gunicorn nginx", ""},
		{"tls", "bare-tls tls", ""},
		{"hooks", "bare hooks", ""},
		{"sync", "bare sync", ""},
		{" gthread4 , nginx,", "bare gthread4 nginx", ""},
		{"statsd,bare", "bare statsd", ""},
		{"bare-close", "", `unknown case "bare-close"; the cases are bare, sync, gthread1, gthread, gthread4, observed, fasthttp, ` +
			`gunicorn-sync, gunicorn, nginx; extra, only when named: hooks, access, json, statsd, bare-tls, tls`},
	}
	for _, tt := range tests {
		sel, err := selectCases(tt.only)
		if checkErr(t, "selectCases("+tt.only+")", err, tt.err) {
			continue
		}
		if got := keysOf(sel); got != tt.want {
			t.Errorf("selectCases(%q) = %q; want %q", tt.only, got, tt.want)
		}
	}
}

func keysOf(sel []benchCase) string {
	var keys []string
	for _, c := range sel {
		keys = append(keys, c.key)
	}
	return strings.Join(keys, " ")
}

// Every case's baseline is a bare server listed before it, so that its
// ratios can be taken as soon as it is measured.
func TestCasesBaselinesComeFirst(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range cases {
		if c.baseline != "" {
			if b, ok := caseByKey(c.baseline); !ok || !seen[c.baseline] || b.baseline != "" {
				t.Errorf("case %s: baseline %q is not a bare server listed before it", c.key, c.baseline)
			}
		}
		if seen[c.key] {
			t.Errorf("case %s is listed twice", c.key)
		}
		seen[c.key] = true
	}
}

func TestSelectModes(t *testing.T) {
	tests := []struct {
		list, want, err string
	}{
		{"keep-alive,close", "keep-alive close", ""},
		{"close, keep-alive", "keep-alive close", ""},
		{"close", "close", ""},
		{" ,", "", "name at least one mode"},
		{"pipelined", "", `unknown mode "pipelined"`},
	}
	for _, tt := range tests {
		ms, err := selectModes(tt.list)
		if checkErr(t, "selectModes("+tt.list+")", err, tt.err) {
			continue
		}
		var keys []string
		for _, m := range ms {
			keys = append(keys, m.key)
		}
		if got := strings.Join(keys, " "); got != tt.want {
			t.Errorf("selectModes(%q) = %q; want %q", tt.list, got, tt.want)
		}
	}
}
