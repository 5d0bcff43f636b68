package starcfg

// TLSConfig holds the settings of TLS and HTTP/2; it is embedded in Config.
type TLSConfig struct{}
