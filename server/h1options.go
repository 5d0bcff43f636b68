package server

import (
	"github.com/gocorn/gocorn/server/h1"
	"github.com/gocorn/gocorn/starcfg"
)

// h1Options returns the strict HTTP/1 options the settings ask for. It
// lives here, not in h1, so that h1 depends on the standard library alone
// and the PROXY protocol (which starcfg's hook objects use) can share its
// error page. Trusted and PassHTTP2Preface are left for the caller: they
// belong to the proxy and HTTP/2 settings.
func h1Options(cfg *starcfg.Config) *h1.Options {
	return &h1.Options{
		LimitRequestLine:                cfg.LimitRequestLine,
		LimitRequestFields:              cfg.LimitRequestFields,
		LimitRequestFieldSize:           cfg.LimitRequestFieldSize,
		PermitObsoleteFolding:           cfg.PermitObsoleteFolding,
		StripHeaderSpaces:               cfg.StripHeaderSpaces,
		PermitUnconventionalHTTPMethod:  cfg.PermitUnconventionalHTTPMethod,
		PermitUnconventionalHTTPVersion: cfg.PermitUnconventionalHTTPVersion,
		CasefoldHTTPMethod:              cfg.CasefoldHTTPMethod,
		HeaderMap:                       h1.HeaderMap(cfg.HeaderMap),
		ForwarderHeaders:                h1.SplitForwarderHeaders(cfg.ForwarderHeaders),
	}
}
