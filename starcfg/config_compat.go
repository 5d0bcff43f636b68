package starcfg

import (
	"fmt"
	"reflect"
)

// CompatConfig holds the gunicorn settings gocorn accepts and ignores
// (settings_compat.go); it is embedded in Config.
type CompatConfig struct {
	SSLVersion           string `json:"ssl_version"`
	DoHandshakeOnConnect bool   `json:"do_handshake_on_connect"`
	SuppressRaggedEOFs   bool   `json:"suppress_ragged_eofs"`
	HTTPParser           string `json:"http_parser"`
	TmpUploadDir         string `json:"tmp_upload_dir"`
}

// IgnoredSettings says, one sentence each, which settings are set to
// something other than their default but have no effect in gocorn, and
// why; the master logs them as warnings.
func (c *Config) IgnoredSettings() []string {
	var out []string
	for _, s := range settings {
		if s.ignored == "" {
			continue
		}
		v := reflect.ValueOf(s.field(c)).Elem().Interface()
		if !reflect.DeepEqual(v, s.def) {
			out = append(out, fmt.Sprintf("%s is set to %s but ignored: %s", s.name, s.typ.format(v), s.ignored))
		}
	}
	return out
}
