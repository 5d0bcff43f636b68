package starcfg

import (
	"fmt"
	"slices"
)

// Warnings says, one sentence each, what in c deserves a word at start:
// settings that are set but ignored (IgnoredSettings), protocols asked for
// that will not be served, and timeouts that leave a sync worker at the
// mercy of a stalled client. The master logs them once, at start, and
// on HUP those the new configuration newly has; --check-config prints
// them.
func (c *Config) Warnings() []string {
	return slices.Concat(c.IgnoredSettings(), c.protocolWarnings(), c.syncTimeoutWarnings())
}

// protocolWarnings says why a protocol in http_protocols is not served,
// and when http2_cleartext means nothing.
func (c *Config) protocolWarnings() []string {
	var w []string
	wantH2 := slices.Contains(c.HTTPProtocols, "h2")
	switch {
	case wantH2 && c.WorkerClass == ClassSync:
		w = append(w, fmt.Sprintf("HTTP/2 is not supported by the %s worker class; serving HTTP/1.1 "+
			"(use worker_class = \"gthread\" for h2)", c.WorkerClass))
	case wantH2 && !c.TLSEnabled() && c.HTTP2Cleartext == H2COff:
		w = append(w, "http_protocols lists h2, which needs TLS (certfile and keyfile) or "+
			"http2_cleartext; serving HTTP/1.1")
	}
	if c.HTTP2Cleartext != H2COff {
		switch {
		case c.TLSEnabled():
			w = append(w, "http2_cleartext is ignored: the sockets serve TLS")
		case !wantH2:
			w = append(w, "http2_cleartext is ignored: http_protocols does not list h2")
		}
	}
	return w
}

// syncTimeoutWarnings says which client timeouts do not end before the
// master's timeout would abort a sync worker stuck on a stalled client.
func (c *Config) syncTimeoutWarnings() []string {
	if c.WorkerClass != ClassSync || c.Timeout <= 0 {
		return nil
	}
	var w []string
	for _, t := range []struct {
		name string
		secs int
	}{{"body_timeout", c.BodyTimeout}, {"write_timeout", c.WriteTimeout}} {
		if t.secs == 0 || t.secs >= c.Timeout {
			w = append(w, fmt.Sprintf("%s (%d) is not below timeout (%d): a client that stalls "+
				"keeps a sync worker busy until the master aborts it", t.name, t.secs, c.Timeout))
		}
	}
	return w
}
