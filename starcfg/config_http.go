package starcfg

// HTTPConfig holds the settings of request parsing and of the timeouts
// against slow clients; it is embedded in Config. The request limits
// themselves (limit_request_*) are core settings.
type HTTPConfig struct {
	PermitObsoleteFolding           bool   `json:"permit_obsolete_folding"`
	StripHeaderSpaces               bool   `json:"strip_header_spaces"`
	PermitUnconventionalHTTPMethod  bool   `json:"permit_unconventional_http_method"`
	PermitUnconventionalHTTPVersion bool   `json:"permit_unconventional_http_version"`
	CasefoldHTTPMethod              bool   `json:"casefold_http_method"`
	HeaderMap                       string `json:"header_map"`        // drop, refuse or dangerous
	ForwarderHeaders                string `json:"forwarder_headers"` // comma list, upper case; "*" for any

	TimeoutConfig
}

// TimeoutConfig holds the timeouts against slow and silent clients, in
// seconds; 0 turns one off. keepalive (the idle time between requests) is
// a core setting.
type TimeoutConfig struct {
	HeaderTimeout int `json:"header_timeout"` // the whole request head
	BodyTimeout   int `json:"body_timeout"`   // each read of the request body
	WriteTimeout  int `json:"write_timeout"`  // each write of the response
}
