package starcfg

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestProxySettings covers the proxy settings from their defaults, the
// environment, the file and the command line, and their errors.
func TestProxySettings(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"gocorn.conf.star": "forwarded_allow_ips = '10.0.0.0/8, 192.0.2.1'\n" +
			"secure_scheme_headers = {'X-Forwarded-Proto': 'https'}\n" +
			"proxy_protocol = True\n" +
			"proxy_allow_ips = ['10.1.0.0/16', '*']\n",
		"v1.star":     "proxy_protocol = 'V1'\n",
		"off.star":    "proxy_protocol = False\n",
		"none.star":   "proxy_protocol = None\nsecure_scheme_headers = {}\n",
		"one.star":    "proxy_protocol = 1\n",
		"bits.star":   "forwarded_allow_ips = ['127.0.0.1', '10.0.0.1/8']\n",
		"dup.star":    "secure_scheme_headers = {'X-Proto': 'https', 'x-proto': 'on'}\n",
		"name.star":   "secure_scheme_headers = {'X Proto': 'https'}\n",
		"mode.star":   "proxy_protocol = 'v3'\n",
		"modety.star": "proxy_protocol = 2.0\n",
	})
	empty := t.TempDir()

	r, err := resolveIn(t, empty, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := ProxyConfig{
		ForwardedAllowIPs:   []string{"127.0.0.1", "::1"},
		SecureSchemeHeaders: map[string]string{"X-FORWARDED-PROTOCOL": "ssl", "X-FORWARDED-PROTO": "https", "X-FORWARDED-SSL": "on"},
		ProxyProtocol:       "off",
		ProxyAllowIPs:       []string{"127.0.0.1", "::1"},
	}
	if !reflect.DeepEqual(r.Config.ProxyConfig, want) {
		t.Errorf("defaults: %+v, want %+v", r.Config.ProxyConfig, want)
	}

	r, err = resolveIn(t, empty, []string{"FORWARDED_ALLOW_IPS=10.0.0.1, 10.0.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Config.ForwardedAllowIPs; !reflect.DeepEqual(got, []string{"10.0.0.1", "10.0.0.2"}) {
		t.Errorf("from FORWARDED_ALLOW_IPS: %q", got)
	}
	if _, err := resolveIn(t, empty, []string{"FORWARDED_ALLOW_IPS=10.0.0.1/8"}); err == nil ||
		err.Error() != `config: $FORWARDED_ALLOW_IPS (the default of forwarded_allow_ips): "10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)` {
		t.Errorf("bad FORWARDED_ALLOW_IPS: %v", err)
	}

	r, err = resolveIn(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = ProxyConfig{
		ForwardedAllowIPs:   []string{"10.0.0.0/8", "192.0.2.1"},
		SecureSchemeHeaders: map[string]string{"X-Forwarded-Proto": "https"},
		ProxyProtocol:       "auto",
		ProxyAllowIPs:       []string{"10.1.0.0/16", "*"},
	}
	if !reflect.DeepEqual(r.Config.ProxyConfig, want) {
		t.Errorf("file: %+v, want %+v", r.Config.ProxyConfig, want)
	}

	// Flags: comma lists or repeated flags, replacing the file's lists.
	r, err = resolveIn(t, dir, nil, "--forwarded-allow-ips", "10.0.0.1,10.0.0.2", "--forwarded-allow-ips", "*",
		"--proxy-protocol", "v2", "--proxy-allow-from", "::1")
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config.ProxyConfig
	if !reflect.DeepEqual(c.ForwardedAllowIPs, []string{"10.0.0.1", "10.0.0.2", "*"}) || c.ProxyProtocol != "v2" ||
		!reflect.DeepEqual(c.ProxyAllowIPs, []string{"::1"}) {
		t.Errorf("flags: %+v", c)
	}
	for flag, want := range map[string]string{"true": "auto", "0": "off", "NONE": "off", "Auto": "auto"} {
		r, err := resolveIn(t, empty, nil, "--proxy-protocol", flag)
		if err != nil || r.Config.ProxyProtocol != want {
			t.Errorf("--proxy-protocol %s: %v, %v; want %s", flag, r, err, want)
		}
	}
	for file, want := range map[string]string{"v1.star": "v1", "off.star": "off", "none.star": "off", "one.star": "auto"} {
		r, err := resolveIn(t, dir, nil, "-c", file)
		if err != nil || r.Config.ProxyProtocol != want {
			t.Errorf("%s: %v; want proxy_protocol %s", file, err, want)
		}
	}
	if r, err := resolveIn(t, dir, nil, "-c", "none.star"); err != nil || len(r.Config.SecureSchemeHeaders) != 0 {
		t.Errorf("secure_scheme_headers = {}: %v", err)
	}

	errs := []struct {
		args []string
		want string
	}{
		{[]string{"-c", "bits.star"}, `config: bits.star:1: forwarded_allow_ips: "10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)`},
		{[]string{"-c", "dup.star"}, `config: dup.star:1: secure_scheme_headers: "X-Proto" and "x-proto" name the same header`},
		{[]string{"-c", "name.star"}, `config: name.star:1: secure_scheme_headers: "X Proto" is not a header name`},
		{[]string{"-c", "mode.star"}, `config: mode.star:1: proxy_protocol: "v3" is not a PROXY protocol mode (want off, v1, v2 or auto)`},
		{[]string{"-c", "modety.star"}, `config: modety.star:1: proxy_protocol: got float, want string or bool`},
		{[]string{"--proxy-allow-from", "localhost"}, `gocorn: error: --proxy-allow-from: "localhost" is not an IP address, a CIDR prefix or *`},
		{[]string{"--forwarded-allow-ips", "10.0.0.0/33"}, `gocorn: error: --forwarded-allow-ips: "10.0.0.0/33" is not a valid CIDR prefix (want ADDRESS/BITS, such as 10.0.0.0/8)`},
		{[]string{"--proxy-protocol=yes"}, `gocorn: error: --proxy-protocol: "yes" is not a PROXY protocol mode (want off, v1, v2 or auto)`},
	}
	for _, tt := range errs {
		if _, err := resolveIn(t, dir, nil, tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("%q: error = %v\nwant %s", tt.args, err, tt.want)
		}
	}

	// Workers get the settings as JSON.
	data, err := json.Marshal(r.Config)
	if err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back.ProxyConfig, r.Config.ProxyConfig) {
		t.Errorf("JSON round trip: %+v, %v", back.ProxyConfig, err)
	}
}

// root_path is stored as clients send it, without its trailing slash, and
// must be a path as they send it.
func TestRootPath(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": "root_path = '/app/'\n"})
	ok := []struct {
		args []string
		want string
	}{
		{nil, "/app"},
		{[]string{"--root-path", "/v2/api"}, "/v2/api"},
		{[]string{"--root-path", "/"}, ""},
		{[]string{"--root-path", ""}, ""},
		{[]string{"--root-path", "/caf%C3%A9/x@y:z"}, "/caf%C3%A9/x@y:z"},
	}
	for _, tt := range ok {
		r, err := resolveIn(t, dir, nil, tt.args...)
		if err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if r.Config.RootPath != tt.want {
			t.Errorf("%q: root_path %q, want %q", tt.args, r.Config.RootPath, tt.want)
		}
	}
	errs := []struct{ value, want string }{
		{"app", `gocorn: error: --root-path: "app" is not a path: it must start with /`},
		{"/café", `gocorn: error: --root-path: "/café" is not a path as clients send it: write "/caf%C3%A9"`},
		{"/a b", `gocorn: error: --root-path: "/a b" is not a path as clients send it: write "/a%20b"`},
		{"/100%", `gocorn: error: --root-path: "/100%" is not a path as clients send it: write "/100%25"`},
		{"/a?b", `gocorn: error: --root-path: "/a?b" is not a path as clients send it: write "/a%3Fb"`},
	}
	for _, tt := range errs {
		if _, err := resolveIn(t, dir, nil, "--root-path", tt.value); err == nil || err.Error() != tt.want {
			t.Errorf("%q: error %v\nwant %s", tt.value, err, tt.want)
		}
	}
}
