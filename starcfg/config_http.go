package starcfg

// HTTPConfig holds the settings of request parsing, limits and timeouts; it is embedded in Config.
type HTTPConfig struct{}
