package starcfg

// LoggingConfig holds the logging settings beyond gunicorn's four core
// ones (accesslog, access_log_format, errorlog, loglevel, in Config):
// what the access log leaves out, where request ids come from, the app's
// own output and syslog (settings_logging.go). It is embedded in Config.
type LoggingConfig struct {
	AccessLogFlush float64 `json:"access_log_flush"` // seconds an access line may wait; 0 = at once

	AccessLogSkipPaths []string `json:"access_log_skip_paths"` // exact paths, or prefixes ending in "*"
	RequestIDHeader    string   `json:"request_id_header"`     // a header name; "" always generates ids
	CaptureOutput      bool     `json:"capture_output"`

	Syslog                        bool   `json:"syslog"`
	SyslogAddr                    string `json:"syslog_addr"`     // checked by syslogsink.ParseAddr
	SyslogPrefix                  string `json:"syslog_prefix"`   // "" for None
	SyslogFacility                string `json:"syslog_facility"` // lower-case
	DisableRedirectAccessToSyslog bool   `json:"disable_redirect_access_to_syslog"`
}
