package starcfg

import "strings"

// IsHeaderName reports whether s is an HTTP header field name: an RFC
// 9110 token. Settings that name headers (secure_scheme_headers) and
// headers a hook returns (pre_request) are checked with it.
func IsHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}
