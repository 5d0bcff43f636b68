package starcfg

import (
	"slices"
	"strings"
	"testing"
)

// gunicorn's SSL and parser options are accepted on the command line and
// in the file, and each one set is named as ignored.
func TestCompatSettingsAcceptedAndNamed(t *testing.T) {
	tests := []struct {
		args, file string
		want       []string // the start of each IgnoredSettings line
		err        string
	}{
		{"", "", nil, ""},
		{"--ssl-version TLSv1_2 --do-handshake-on-connect", "", []string{
			`ssl_version is set to "TLSv1_2" but ignored: `, "do_handshake_on_connect is set to True but ignored: "}, ""},
		{"", "suppress_ragged_eofs = False\nhttp_parser = 'python'\ntmp_upload_dir = '/tmp'\n", []string{
			"suppress_ragged_eofs is set to False but ignored: ", `http_parser is set to "python" but ignored: `,
			`tmp_upload_dir is set to "/tmp" but ignored: `}, ""},
		{"--logger-class simple", "logger_class = 'gunicorn.instrument.statsd.Statsd'\n", nil, ""},                   // gunicorn's own loggers are gocorn's
		{"--protocol HTTP", "protocol = 'http'\ndirty_workers = 0\nlogconfig_dict = {}\ndirty_apps = []\n", nil, ""}, // refused ones at their defaults
		{"", "protocol = 'uwsgii'\n", nil, `protocol: "uwsgii" is not a protocol (want http or uwsgi) (did you mean "uwsgi"?)`},
		{"", "http_parser = 'pyhton'\n", nil, `http_parser: "pyhton" is not an HTTP parser (want auto, fast or python) (did you mean "python"?)`},
	}
	for _, tt := range tests {
		dir := writeFiles(t, map[string]string{"gocorn.conf.star": tt.file})
		res, err := resolveIn(t, dir, nil, append(strings.Fields(tt.args), "app")...)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q %q: error %v, want %q", tt.args, tt.file, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q %q: %v", tt.args, tt.file, err)
		}
		got := res.Config.IgnoredSettings()
		if len(got) != len(tt.want) || slices.ContainsFunc(got, func(line string) bool {
			return !slices.ContainsFunc(tt.want, func(w string) bool { return strings.HasPrefix(line, w) })
		}) {
			t.Errorf("%q %q: ignored %q, want lines starting %q", tt.args, tt.file, got, tt.want)
		}
	}
}
