package starcfg

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestOpsFlags covers the recycling, shutdown and identity flags: gunicorn's
// short forms, umask in every form gunicorn takes, and worker_tmp_dir made
// absolute from the invocation's directory.
func TestOpsFlags(t *testing.T) {
	dir := writeFiles(t, map[string]string{"tmp/.keep": ""})
	r, err := resolveIn(t, dir, nil, "-D", "-u", "0", "-g", "root", "--initgroups",
		"--worker-tmp-dir", "tmp", "--max-worker-lifetime", "3600", "--max-worker-lifetime-jitter", "60",
		"--max-worker-memory", "512", "--max-worker-memory-jitter", "32", "--shutdown-delay", "5")
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config
	if !c.Daemon || c.User != "0" || c.Group != "root" || !c.Initgroups || c.WorkerTmpDir != filepath.Join(dir, "tmp") {
		t.Errorf("daemon=%v user=%q group=%q initgroups=%v worker_tmp_dir=%q", c.Daemon, c.User, c.Group, c.Initgroups, c.WorkerTmpDir)
	}
	if c.MaxWorkerLifetime != 3600 || c.MaxWorkerLifetimeJitter != 60 || c.MaxWorkerMemory != 512 ||
		c.MaxWorkerMemoryJitter != 32 || c.ShutdownDelay != 5 {
		t.Errorf("max_worker_lifetime=%d+%d max_worker_memory=%d+%d shutdown_delay=%d",
			c.MaxWorkerLifetime, c.MaxWorkerLifetimeJitter, c.MaxWorkerMemory, c.MaxWorkerMemoryJitter, c.ShutdownDelay)
	}

	for _, in := range []string{"022", "0o22", "0x12", "18", " 0O22 "} {
		r, err := resolveIn(t, dir, nil, "-m", in)
		if err != nil {
			t.Errorf("-m %q: %v", in, err)
			continue
		}
		if r.Config.Umask != 0o22 {
			t.Errorf("-m %q = %#o, want 022", in, r.Config.Umask)
		}
	}

	errs := []struct {
		args []string
		want string
	}{
		{[]string{"-m", "0o1000"}, `gocorn: error: --umask: got 0o1000, want 0o777 or less`},
		{[]string{"-m", "089"}, `gocorn: error: --umask: "089" is not an integer`},
		{[]string{"-u", "gocorn-no-such-user"}, `gocorn: error: --user: there is no user named "gocorn-no-such-user" on this system`},
		{[]string{"-g", "gocorn-no-such-group"}, `gocorn: error: --group: there is no group named "gocorn-no-such-group" on this system`},
		{[]string{"-u", "4294967296"}, `gocorn: error: --user: uid 4294967296 is out of range`},
		{[]string{"--worker-tmp-dir", "nope"}, `gocorn: error: --worker-tmp-dir: directory "nope" does not exist`},
		{[]string{"--worker-tmp-dir", "tmp/.keep"}, `gocorn: error: --worker-tmp-dir: "tmp/.keep" is not a directory`},
	}
	for _, tt := range errs {
		if _, err := resolveIn(t, dir, nil, tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("%q: error = %v\nwant %s", tt.args, err, tt.want)
		}
	}
}

// TestIDsInFile: user and group take a name, a number or None in the file,
// and hooks see numbers as ints.
func TestIDsInFile(t *testing.T) {
	uid := strconv.Itoa(os.Getuid())
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": "user = " + uid + "\ngroup = None\n"})
	r, err := resolveIn(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Config.User != uid || r.Config.Group != "" {
		t.Errorf("user=%q group=%q, want %q and \"\"", r.Config.User, r.Config.Group, uid)
	}
	v := r.Config.StarlarkValues()
	if got := v["user"]; got == nil || got.Type() != "int" || got.String() != uid {
		t.Errorf("cfg.user = %v, want the int %s", got, uid)
	}
	if got := v["group"]; got == nil || got.Type() != "NoneType" {
		t.Errorf("cfg.group = %v, want None", got)
	}
}

// A worker replaying the master's sources does not look names up again:
// the master checked them, and the worker may no longer see the same
// user database (chroot, a switched user).
func TestWorkerSkipsIDLookups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gocorn.conf.star")
	src := []byte("user = \"gocorn-no-such-user\"\ngroup = \"gocorn-no-such-group\"\n")
	ev, err := EvalSources([]Source{{Path: path, Data: src}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Config.User != "gocorn-no-such-user" || ev.Config.Group != "gocorn-no-such-group" {
		t.Errorf("user=%q group=%q", ev.Config.User, ev.Config.Group)
	}
}
