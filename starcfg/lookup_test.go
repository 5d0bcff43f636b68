package starcfg

import "testing"

// TestLookupFlag finds settings by every form of flag gunicorn's
// command lines use, and says which gocorn ignores or refuses.
func TestLookupFlag(t *testing.T) {
	tests := []struct {
		flag, name       string
		ignored, refused bool
	}{
		{"-w", "workers", false, false},
		{"--workers", "workers", false, false},
		{"-R", "enable_stdio_inheritance", false, false},
		{"--no-sendfile", "sendfile", false, false},
		{"--preload", "preload_app", true, false},
		{"--log-config", "logconfig", false, true},
	}
	for _, tt := range tests {
		info, ok := LookupFlag(tt.flag)
		if !ok || info.Name != tt.name {
			t.Errorf("LookupFlag(%q) = %q, %v; want %q", tt.flag, info.Name, ok, tt.name)
			continue
		}
		if (info.Ignored != "") != tt.ignored || (info.Refused != "") != tt.refused {
			t.Errorf("LookupFlag(%q): ignored %q, refused %q", tt.flag, info.Ignored, info.Refused)
		}
	}
	for _, flag := range []string{"--no-workers", "--no-", "--frobnicate", "-Z"} {
		if info, ok := LookupFlag(flag); ok {
			t.Errorf("LookupFlag(%q) found %s", flag, info.Name)
		}
	}
}

func TestHookRefused(t *testing.T) {
	if why, ok := HookRefused("ssl_context"); !ok || why == "" {
		t.Errorf("HookRefused(ssl_context) = %q, %v", why, ok)
	}
	if _, ok := HookRefused("post_fork"); ok {
		t.Error("post_fork is refused")
	}
}
