package starcfg

// HTTPConfig holds the settings of request parsing, limits and timeouts; it is embedded in Config.
// The request limits themselves (limit_request_*) are core settings.
type HTTPConfig struct {
	PermitObsoleteFolding           bool   `json:"permit_obsolete_folding"`
	StripHeaderSpaces               bool   `json:"strip_header_spaces"`
	PermitUnconventionalHTTPMethod  bool   `json:"permit_unconventional_http_method"`
	PermitUnconventionalHTTPVersion bool   `json:"permit_unconventional_http_version"`
	CasefoldHTTPMethod              bool   `json:"casefold_http_method"`
	HeaderMap                       string `json:"header_map"`        // drop, refuse or dangerous
	ForwarderHeaders                string `json:"forwarder_headers"` // comma list, upper case; "*" for any
}
