package starcfg

import (
	"reflect"
	"strings"
	"testing"
)

// TestLoggingSettings covers the logging settings of LoggingConfig: their
// defaults, the file, the command line, and their errors.
func TestLoggingSettings(t *testing.T) {
	defaults := LoggingConfig{
		AccessLogFlush:     0.1,
		AccessLogSkipPaths: []string{},
		RequestIDHeader:    "X-Request-Id",
		SyslogAddr:         "udp://localhost:514",
		SyslogFacility:     "user",
	}
	tests := []struct {
		name string
		file string   // gocorn.conf.star, if any
		args []string // the command line
		want func(*LoggingConfig)
		err  string // a part of the error, if any
	}{
		{name: "defaults", want: func(*LoggingConfig) {}},
		{name: "flush at once", args: []string{"--access-log-flush", "0"},
			want: func(c *LoggingConfig) { c.AccessLogFlush = 0 }},
		{
			name: "skip paths", file: "access_log_skip_paths = ['/healthz', '/health/*', '*']\n",
			want: func(c *LoggingConfig) { c.AccessLogSkipPaths = []string{"/healthz", "/health/*", "*"} },
		},
		{
			name: "skip paths flags", args: []string{"--access-log-skip-path", "/a", "--access-log-skip-path", "/b/*"},
			want: func(c *LoggingConfig) { c.AccessLogSkipPaths = []string{"/a", "/b/*"} },
		},
		{name: "skip relative", file: "access_log_skip_paths = 'healthz'\n", err: `"healthz" does not start with /`},
		{name: "skip inner star", file: "access_log_skip_paths = ['/a/*/b']\n", err: `has a * before its end`},
		{name: "skip query", file: "access_log_skip_paths = ['/a?x=1']\n", err: `has a query`},
		{name: "skip empty", file: "access_log_skip_paths = ['']\n", err: `an entry is empty`},
		{
			name: "request id header", args: []string{"--request-id-header", "X-Amzn-Trace-Id"},
			want: func(c *LoggingConfig) { c.RequestIDHeader = "X-Amzn-Trace-Id" },
		},
		{name: "request id none", file: "request_id_header = ''\n", want: func(c *LoggingConfig) { c.RequestIDHeader = "" }},
		{name: "request id bad", file: "request_id_header = 'X Id'\n", err: `"X Id" is not a header name`},
		{
			name: "syslog", args: []string{"--log-syslog", "--log-syslog-to", "unix:///dev/log#dgram", "--log-syslog-prefix", "web",
				"--log-syslog-facility", "LOCAL3", "--disable-redirect-access-to-syslog"},
			want: func(c *LoggingConfig) {
				c.Syslog, c.SyslogAddr, c.SyslogPrefix, c.SyslogFacility = true, "unix:///dev/log#dgram", "web", "local3"
				c.DisableRedirectAccessToSyslog = true
			},
		},
		{name: "syslog addr", file: "syslog_addr = 'localhost:514'\n", err: `want udp://HOST:PORT`},
		{name: "syslog facility", file: "syslog_facility = 'local9'\n", err: `"local9" is not a syslog facility`},
		{name: "unknown atom", file: "\naccess_log_format = '%(h)s %(status)s'\n",
			err: `gocorn.conf.star:2: access_log_format: unknown atom %(status)s (did you mean %(s)s?); the atoms are h l u`},
		{name: "unknown atom flag", args: []string{"--access-logformat", "%(zz)s"}, err: `unknown atom %(zz)s;`},
		{name: "capture output", args: []string{"--capture-output"}, want: func(c *LoggingConfig) { c.CaptureOutput = true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				dir = writeFiles(t, map[string]string{"gocorn.conf.star": tc.file})
			}
			r, err := resolveIn(t, dir, nil, tc.args...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			want.AccessLogSkipPaths = append([]string{}, defaults.AccessLogSkipPaths...)
			tc.want(&want)
			if !reflect.DeepEqual(r.Config.LoggingConfig, want) {
				t.Errorf("got  %+v\nwant %+v", r.Config.LoggingConfig, want)
			}
		})
	}
}
