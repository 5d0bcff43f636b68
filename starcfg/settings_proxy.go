package starcfg

// proxySettings are the table entries of trusted proxies and the PROXY protocol.
var proxySettings = []*setting{}
