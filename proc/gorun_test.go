package proc

import "testing"

func TestStartedByGoRun(t *testing.T) {
	tests := []struct {
		parent string
		want   bool
	}{
		{"/usr/local/go/bin/go", true},
		{"/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64/bin/go", true}, // a GOTOOLCHAIN switch
		{"/usr/bin/bash", false},
		{"/usr/lib/systemd/systemd", false},
		{"/usr/local/bin/gocorn", false}, // a USR2 parent master
		{"", false},                      // the parent is gone or unreadable
	}
	for _, tt := range tests {
		if got := startedByGoRun(tt.parent); got != tt.want {
			t.Errorf("startedByGoRun(%q) = %v, want %v", tt.parent, got, tt.want)
		}
	}
}
