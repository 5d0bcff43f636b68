package starcfg

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A Config survives JSON, and settings missing from the JSON keep their
// defaults: a master of an older binary does not send them.
func TestConfigJSON(t *testing.T) {
	cfg := Defaults()
	cfg.Workers, cfg.Bind, cfg.GracefulTimeout = 3, []string{"unix:/x"}, 5
	cfg.SecureSchemeHeaders = map[string]string{"X-Proto": "https"}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, cfg) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", back, *cfg)
	}

	var fields map[string]any
	json.Unmarshal(data, &fields)
	delete(fields, "graceful_timeout")
	delete(fields, "secure_scheme_headers")
	fields["a_setting_from_the_future"] = 1
	older, _ := json.Marshal(fields)
	back = Config{}
	if err := json.Unmarshal(older, &back); err != nil {
		t.Fatal(err)
	}
	def := Defaults()
	if back.GracefulTimeout != def.GracefulTimeout || !reflect.DeepEqual(back.SecureSchemeHeaders, def.SecureSchemeHeaders) {
		t.Errorf("missing settings: graceful_timeout %d, secure_scheme_headers %v; want the defaults %d, %v",
			back.GracefulTimeout, back.SecureSchemeHeaders, def.GracefulTimeout, def.SecureSchemeHeaders)
	}
	if back.Workers != 3 {
		t.Errorf("workers %d, want 3", back.Workers)
	}
	if err := json.Unmarshal([]byte(`{"workers": "two"}`), &back); err == nil || err.Error() !=
		"config: workers: json: cannot unmarshal string into Go value of type int" {
		t.Errorf("a wrong type: %v", err)
	}
}
