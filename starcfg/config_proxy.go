package starcfg

// ProxyConfig holds the settings of trusted proxies and the PROXY protocol; it is embedded in Config.
// The worker hands them to package server/proxy (proxy.New), which parses
// them the same way the checks here did.
type ProxyConfig struct {
	ForwardedAllowIPs   []string          `json:"forwarded_allow_ips"`   // IPs, CIDR prefixes or "*", one per entry
	SecureSchemeHeaders map[string]string `json:"secure_scheme_headers"` // header name -> the value that means https
	ProxyProtocol       string            `json:"proxy_protocol"`        // off, v1, v2 or auto
	ProxyAllowIPs       []string          `json:"proxy_allow_ips"`       // IPs, CIDR prefixes or "*", one per entry
}
