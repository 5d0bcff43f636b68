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
		// Go 1.24 and later: a go run whose binary is in the build cache.
		{"/root/.cache/go-build/82/82643a490b4949660e3bfc6408e2b0d207ace29ab164e4cf7aa15a67598c6faa-d/gocorn", true},
		{"/srv/cache/1f/1f3e5b0000000000000000000000000000000000000000000000000000000000-d/api", true},
		{"/srv/cache/ab/1f3e5b0000000000000000000000000000000000000000000000000000000000-d/api", false}, // not its shard
		{"/srv/releases/1f/1f3e5b-d/api", false},                                                        // not a cache hash
	}
	for _, tt := range tests {
		if got := builtByGoRun(tt.exe); got != tt.want {
			t.Errorf("builtByGoRun(%q) = %v, want %v", tt.exe, got, tt.want)
		}
	}
}
