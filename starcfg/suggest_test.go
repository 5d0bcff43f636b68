package starcfg

import "testing"

func TestSuggest(t *testing.T) {
	candidates := append(settingNames(), hookNames()...)
	tests := []struct{ in, want string }{
		{"worker", "workers"},
		{"wrokers", "workers"},
		{"keep_alive", "keepalive"},
		{"LogLevel", "loglevel"},
		{"time_out", "timeout"},
		{"post_frok", "post_fork"},
		{"access_log", "accesslog"},
		{"pid_file", "pidfile"},
		{"flavour", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, candidates); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := suggest("warn", logLevels); got != "warning" {
		t.Errorf(`suggest("warn", levels) = %q, want "warning"`, got)
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"same", "same", 0},
	}
	for _, tt := range tests {
		if got := levenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
