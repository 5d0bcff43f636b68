package main

import "testing"

func TestVersionRE(t *testing.T) {
	tests := []struct{ out, want string }{
		{"wrk 4.1.0 [epoll] Copyright (C) 2012 Will Glozer", "4.1.0"},
		{"wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer", "4.1.0-3+b2"},
		{"gunicorn (version 20.1.0)", "20.1.0"},
		{"nginx version: nginx/1.22.1", "1.22.1"},
		{"Usage: wrk <options> <url>", ""},
	}
	for _, tt := range tests {
		if got := versionRE.FindString(tt.out); got != tt.want {
			t.Errorf("version in %q = %q, want %q", tt.out, got, tt.want)
		}
	}
}
