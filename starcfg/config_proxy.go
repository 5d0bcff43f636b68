package starcfg

import (
	"fmt"
	"net/netip"
	"strings"
)

// ProxyConfig holds the settings of trusted proxies and the PROXY protocol; it is embedded in Config.
// The worker hands them to package server/proxy, parsed with
// ParseAllowList as the checks here parsed them.
type ProxyConfig struct {
	ForwardedAllowIPs   []string          `json:"forwarded_allow_ips"`   // IPs, CIDR prefixes or "*", one per entry
	SecureSchemeHeaders map[string]string `json:"secure_scheme_headers"` // header name -> the value that means https
	ProxyProtocol       string            `json:"proxy_protocol"`        // one of proxyModes' values
	ProxyAllowIPs       []string          `json:"proxy_allow_ips"`       // IPs, CIDR prefixes or "*", one per entry
	RootPath            string            `json:"root_path"`             // the mount prefix, escaped, without a trailing slash; "" for none
}

// AllowList is a parsed forwarded_allow_ips or proxy_allow_ips.
type AllowList struct {
	All      bool           // "*": every peer
	Prefixes []netip.Prefix // the listed addresses (as single-address prefixes) and prefixes
}

// ParseAllowList parses an allow list as gunicorn's settings spell it.
// Each entry may itself be a comma-separated list (the form of the flags
// and of FORWARDED_ALLOW_IPS); blanks around entries and empty entries are
// ignored. An entry is "*" (every peer), an IP address ("10.0.0.1",
// "::1") or a CIDR prefix ("10.0.0.0/8"). Parsing is strict, as in
// gunicorn: a prefix with host bits set ("10.0.0.1/8") is an error that
// names the entry and the prefix it probably meant, and so are zones and
// anything else that is not an address. IPv4-mapped IPv6 entries
// ("::ffff:10.0.0.1") are stored as the IPv4 addresses they are.
func ParseAllowList(entries []string) (AllowList, error) {
	var l AllowList
	for _, entry := range entries {
		for item := range strings.SplitSeq(entry, ",") {
			item = strings.TrimSpace(item)
			switch {
			case item == "":
			case item == "*":
				l.All = true
			default:
				p, err := parseAllowEntry(item)
				if err != nil {
					return AllowList{}, err
				}
				l.Prefixes = append(l.Prefixes, p)
			}
		}
	}
	return l, nil
}

func parseAllowEntry(item string) (netip.Prefix, error) {
	if !strings.Contains(item, "/") {
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address, a CIDR prefix or *", item)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(item)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a valid CIDR prefix (want ADDRESS/BITS, such as 10.0.0.0/8)", item)
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set (did you mean %s?)", item, p.Masked())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p, nil
}

// String is the list as the settings spell it: "*,10.0.0.0/8,::1".
func (l AllowList) String() string {
	var parts []string
	if l.All {
		parts = append(parts, "*")
	}
	for _, p := range l.Prefixes {
		if p.IsSingleIP() {
			parts = append(parts, p.Addr().String())
		} else {
			parts = append(parts, p.String())
		}
	}
	return strings.Join(parts, ",")
}

// proxyModes are the spellings of proxy_protocol gocorn accepts, in any
// case, with the mode each means: gunicorn's off, v1, v2 and auto, and
// its false, 0 and none for off and true and 1 for auto (the bare
// --proxy-protocol flag of gunicorn). The modes are server/proxy's.
var proxyModes = map[string]string{
	"off": "off", "false": "off", "0": "off", "none": "off",
	"v1": "v1", "v2": "v2",
	"auto": "auto", "true": "auto", "1": "auto",
}

// parseProxyMode reads one spelling of proxy_protocol.
func parseProxyMode(s string) (string, error) {
	if mode, ok := proxyModes[strings.ToLower(strings.TrimSpace(s))]; ok {
		return mode, nil
	}
	return "", fmt.Errorf("%q is not a PROXY protocol mode (want off, v1, v2 or auto)", s)
}
