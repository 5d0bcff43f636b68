package starcfg

// ProxyConfig holds the settings of trusted proxies and the PROXY protocol; it is embedded in Config.
type ProxyConfig struct{}
