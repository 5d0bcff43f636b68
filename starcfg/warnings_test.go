package starcfg

import (
	"reflect"
	"strings"
	"testing"
)

// ServedProtocols serves what http_protocols lists and the class, TLS and
// http2_cleartext allow, and Warnings says why the rest is not served.
func TestServedProtocolsAndWarnings(t *testing.T) {
	tests := []struct {
		class, cleartext string
		tls              bool
		list             []string
		want             []string
		warn             string
	}{
		{"gthread", "off", true, []string{"h1"}, []string{"h1"}, ""},
		{"gthread", "off", true, []string{"h2", "h1"}, []string{"h2", "h1"}, ""},
		{"gthread", "off", true, []string{"h1", "h2"}, []string{"h1", "h2"}, ""},
		{"gthread", "off", true, []string{"h2"}, []string{"h2"}, ""},
		{"sync", "off", true, []string{"h2", "h1"}, []string{"h1"}, "not supported by the sync worker class"},
		{"sync", "off", true, []string{"h2"}, []string{"h1"}, "not supported by the sync worker class"},
		{"gthread", "off", false, []string{"h2", "h1"}, []string{"h1"}, "needs TLS"},
		{"gthread", "prior-knowledge", false, []string{"h2", "h1"}, []string{"h2", "h1"}, ""},
		{"gthread", "prior-knowledge", false, []string{"h2"}, []string{"h2"}, ""},
		{"gthread", "prior-knowledge", false, []string{"h1"}, []string{"h1"}, "does not list h2"},
		{"gthread", "prior-knowledge", true, []string{"h2", "h1"}, []string{"h2", "h1"}, "ignored: the sockets serve TLS"},
		{"sync", "prior-knowledge", false, []string{"h2", "h1"}, []string{"h1"}, "not supported by the sync worker class"},
	}
	for _, tt := range tests {
		cfg := Defaults()
		cfg.WorkerClass, cfg.HTTP2Cleartext, cfg.HTTPProtocols = tt.class, tt.cleartext, tt.list
		cfg.BodyTimeout, cfg.WriteTimeout = 10, 10 // below timeout: no sync warning
		if tt.tls {
			cfg.Certfile, cfg.Keyfile = "/cert.pem", "/key.pem"
		}
		name := strings.Join([]string{tt.class, tt.cleartext, strings.Join(tt.list, ",")}, " ")
		if got := cfg.ServedProtocols(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s (tls %v): served %q, want %q", name, tt.tls, got, tt.want)
		}
		warnings := strings.Join(cfg.Warnings(), "\n")
		if tt.warn == "" && warnings != "" || !strings.Contains(warnings, tt.warn) {
			t.Errorf("%s (tls %v): warnings %q, want %q", name, tt.tls, warnings, tt.warn)
		}
	}
}

func TestWarningsOnSyncTimeouts(t *testing.T) {
	cfg := Defaults()
	cfg.WorkerClass, cfg.Timeout, cfg.BodyTimeout, cfg.WriteTimeout = "sync", 30, 0, 30
	got := strings.Join(cfg.Warnings(), "\n")
	for _, want := range []string{"body_timeout (0) is not below timeout (30)", "write_timeout (30) is not below timeout (30)"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q lack %q", got, want)
		}
	}
	cfg.Timeout = 0 // no worker timeout: nothing to warn about
	if w := cfg.Warnings(); len(w) != 0 {
		t.Errorf("timeout 0: warnings %q", w)
	}
}
