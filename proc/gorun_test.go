package proc

import "testing"

func TestBuiltByGoRun(t *testing.T) {
	tests := []struct {
		exe  string
		want bool
	}{
		{"/tmp/go-build3141592653/b001/exe/gocorn", true},
		{"/home/ann/.cache/tmp/go-build27/b001/exe/myservice", true},
		{"/usr/local/bin/gocorn", false},
		{"/srv/exe/gocorn", false},                 // a directory named exe is not enough
		{"/tmp/go-build1/b001/gocorn.test", false}, // go test's binaries are not go run's
	}
	for _, tt := range tests {
		if got := builtByGoRun(tt.exe); got != tt.want {
			t.Errorf("builtByGoRun(%q) = %v, want %v", tt.exe, got, tt.want)
		}
	}
}
