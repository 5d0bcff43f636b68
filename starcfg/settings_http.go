package starcfg

// httpSettings are the table entries of request parsing, limits and timeouts.
var httpSettings = []*setting{}
