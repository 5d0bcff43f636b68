package starcfg

// tlsSettings are the table entries of TLS and HTTP/2.
var tlsSettings = []*setting{}
