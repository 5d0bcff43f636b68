package starcfg

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/starcfg/golden"
)

func TestLookupSetting(t *testing.T) {
	tests := []struct{ topic, want string }{
		{"max_requests", "max_requests"},
		{"--max-requests", "max_requests"},
		{"max-requests", "max_requests"},
		{"MAX_REQUESTS", "max_requests"},
		{"-w", "workers"},
		{"w", "workers"},
		{"--log-file", "errorlog"},
		{"wsgi_app", "app"},
		{"nosuch", ""},
		{"-z", ""},
	}
	for _, tt := range tests {
		got := ""
		if s := lookupSetting(tt.topic); s != nil {
			got = s.name
		}
		if got != tt.want {
			t.Errorf("lookupSetting(%q) = %q, want %q", tt.topic, got, tt.want)
		}
	}
}

// Every spelling of every setting finds that setting and no other.
func TestLookupEverySpelling(t *testing.T) {
	for _, s := range settings {
		spellings := append([]string{s.name, s.gunicorn}, s.flags...)
		if s.short != 0 {
			spellings = append(spellings, "-"+string(s.short))
		}
		for _, sp := range spellings {
			if got := lookupSetting(sp); sp != "" && got != s {
				t.Errorf("lookupSetting(%q) does not find %s", sp, s.name)
			}
		}
	}
}

func TestHelpTopics(t *testing.T) {
	tests := []struct {
		topics  []string
		want    string // in the output
		wantErr string
	}{
		{nil, "Worker Processes:\n  workers worker_class", ""},
		{[]string{"-h"}, "Usage: gocorn help SETTING", ""},
		{[]string{"hooks"}, "post_fork(server, worker)", ""},
		{[]string{"post_request"}, "post_request(worker, req[, environ[, resp]])", ""},
		{[]string{"-w", "bind"}, "Worker Processes\n\n  The number of worker processes.", ""},
		{[]string{"ssl_version"}, "Ignored:", ""},
		{[]string{"wokers"}, "", `"wokers" is neither a setting nor a hook (did you mean "workers"?); gocorn help lists them`},
		{[]string{"workers", "nosuch"}, "", `"nosuch" is neither a setting nor a hook; gocorn help lists them`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := Help(&out, tt.topics)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr || out.Len() != 0 {
				t.Errorf("Help(%q) = %v, output %q; want error %q and no output", tt.topics, err, out.String(), tt.wantErr)
			}
			continue
		}
		if err != nil || !strings.Contains(out.String(), tt.want) {
			t.Errorf("Help(%q) = %v; output lacks %q:\n%s", tt.topics, err, tt.want, out.String())
		}
	}
}

func TestHelpWorkersGolden(t *testing.T) {
	var out bytes.Buffer
	if err := Help(&out, []string{"workers"}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/help-workers.golden", out.String())
}
