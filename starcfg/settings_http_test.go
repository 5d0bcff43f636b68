package starcfg

import (
	"strings"
	"testing"
)

func TestHTTPSettingChecks(t *testing.T) {
	for _, tt := range []struct {
		check   checkFunc
		in      string
		want    string
		wantErr string
	}{
		{checkHeaderMap, "drop", "drop", ""},
		{checkHeaderMap, "dangerous", "dangerous", ""},
		{checkHeaderMap, "refused", "", `"refused" is not a header map (want drop, refuse or dangerous) (did you mean "refuse"?)`},
		{checkForwarderHeaders, "SCRIPT_NAME,PATH_INFO", "SCRIPT_NAME,PATH_INFO", ""},
		{checkForwarderHeaders, " script_name , ,x-forwarded_host ", "SCRIPT_NAME,X-FORWARDED_HOST", ""},
		{checkForwarderHeaders, "*", "*", ""},
		{checkForwarderHeaders, "", "", ""},
		{checkForwarderHeaders, "SCRIPT NAME", "", `"SCRIPT NAME" is not a header name`},
	} {
		got, err := tt.check(tt.in, nil)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %v %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestHTTPSettingsResolve(t *testing.T) {
	r, err := resolveIn(t, t.TempDir(), nil, "--header-map", "refuse", "--forwarder-headers", "script_name",
		"--permit-obsolete-folding", "--casefold-http-method", "hello")
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config
	if c.HeaderMap != "refuse" || c.ForwarderHeaders != "SCRIPT_NAME" || !c.PermitObsoleteFolding ||
		!c.CasefoldHTTPMethod || c.StripHeaderSpaces {
		t.Errorf("resolved %+v", c.HTTPConfig)
	}
	if _, err := resolveIn(t, t.TempDir(), nil, "--header-map", "keep", "hello"); err == nil || !strings.Contains(err.Error(), "header map") {
		t.Errorf("--header-map keep: %v", err)
	}
}
