package proc

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/starcfg"
)

func TestWorkerCredential(t *testing.T) {
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	self := strconv.Itoa(os.Getuid())
	root := os.Geteuid() == 0
	nobody := lookupForTest(t, "nobody")
	nobodyGroup, err := user.LookupGroupId(nobody.Gid)
	if err != nil {
		t.Skipf("nobody's primary group %s has no name: %v", nobody.Gid, err)
	}
	nobodyUID, _ := parseID(nobody.Uid)
	nobodyGID, _ := parseID(nobody.Gid)
	dropped := func(c *syscall.Credential) *syscall.Credential {
		if root { // a root master leaves workers none of its supplementary groups
			c.Groups, c.NoSetGroups = []uint32{}, false
		}
		return c
	}

	tests := []struct {
		name       string
		user, grp  string
		initgroups bool
		rootOnly   bool
		want       *syscall.Credential
		wantErr    string
	}{
		{name: "unset", want: nil},
		{name: "initgroups alone", initgroups: true, want: nil},
		{name: "own uid", user: self, want: nil},
		{name: "own ids", user: self, grp: strconv.Itoa(os.Getgid()), want: nil},
		{name: "user by name", user: "nobody",
			want: dropped(&syscall.Credential{Uid: nobodyUID, Gid: gid, NoSetGroups: true})},
		{name: "uid without an entry", user: "4000000",
			want: dropped(&syscall.Credential{Uid: 4000000, Gid: gid, NoSetGroups: true})},
		{name: "group only", grp: nobodyGroup.Name,
			want: &syscall.Credential{Uid: uid, Gid: nobodyGID, NoSetGroups: true}},
		{name: "numbers", user: "4000000", grp: "4000001",
			want: dropped(&syscall.Credential{Uid: 4000000, Gid: 4000001, NoSetGroups: true})},
		{name: "initgroups", user: "nobody", grp: nobodyGroup.Name, initgroups: true,
			want: &syscall.Credential{Uid: nobodyUID, Gid: nobodyGID, Groups: groupsOf(t, nobody, nobodyGID)}},
		{name: "initgroups, uid without an entry", user: "4000000", grp: "4000001", initgroups: true,
			want: &syscall.Credential{Uid: 4000000, Gid: 4000001, Groups: []uint32{4000001}}},
		{name: "initgroups needs group", user: "nobody", initgroups: true,
			want: dropped(&syscall.Credential{Uid: nobodyUID, Gid: gid, NoSetGroups: true})},
		{name: "unknown user", user: "gocorn-no-such-user",
			wantErr: `user: there is no user named "gocorn-no-such-user" on this system`},
		{name: "unknown group", user: "nobody", grp: "gocorn-no-such-group",
			wantErr: `group: there is no group named "gocorn-no-such-group" on this system`},
		{name: "root by name, as root", user: "root", grp: "root", rootOnly: true, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rootOnly && !root {
				t.Skip("needs root")
			}
			got, err := workerCredential(&starcfg.Config{User: tt.user, Group: tt.grp, Initgroups: tt.initgroups})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestWorkerCredentialApplies starts a real process with the credential,
// which only root can do.
func TestWorkerCredentialApplies(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	idPath, err := exec.LookPath("id")
	if err != nil {
		t.Skip("no id command")
	}
	nobody := lookupForTest(t, "nobody")
	for _, tc := range []struct {
		initgroups bool
		group      string
		want       []string // what id -u, -g and -G print
	}{
		// No group: the master's gid stays, its supplementary groups go.
		{false, "", []string{nobody.Uid, strconv.Itoa(os.Getgid()), strconv.Itoa(os.Getgid())}},
		{true, nobody.Gid, []string{nobody.Uid, nobody.Gid, joinIDs(groupsOf(t, nobody, mustID(t, nobody.Gid)))}},
	} {
		cred, err := workerCredential(&starcfg.Config{User: "nobody", Group: tc.group, Initgroups: tc.initgroups})
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		for _, flag := range []string{"-u", "-g", "-G"} {
			cmd := exec.Command(idPath, flag)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
			b, err := cmd.Output()
			if err != nil {
				t.Fatalf("id %s as %+v: %v", flag, cred, err)
			}
			out.Write(b)
		}
		want := strings.Join(tc.want, "\n") + "\n"
		if out.String() != want {
			t.Errorf("initgroups=%v group=%q: id printed\n%s\nwant\n%s", tc.initgroups, tc.group, out.String(), want)
		}
	}
}

func TestWithUmask(t *testing.T) { // not parallel: the umask is the process's
	dir := t.TempDir()
	before := syscall.Umask(0o022)
	syscall.Umask(before)

	sock := filepath.Join(dir, "s.sock")
	err := withUmask(0o117, func() error {
		l, err := net.Listen("unix", sock)
		if err != nil {
			return err
		}
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		return l.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v (%v), want 0660 under umask 0117", fi.Mode().Perm(), err)
	}
	if after := syscall.Umask(before); after != before {
		t.Errorf("umask after withUmask = %#o, want %#o restored", after, before)
	}

	boom := errors.New("boom")
	if err := withUmask(0o077, func() error { return boom }); err != boom {
		t.Errorf("error = %v, want fn's", err)
	}
	if after := syscall.Umask(before); after != before {
		t.Errorf("umask after a failing fn = %#o, want %#o restored", after, before)
	}
}

func TestChownForWorkers(t *testing.T) {
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chownForWorkers(f, nil); err != nil {
		t.Errorf("nil credential: %v", err)
	}
	if os.Geteuid() != 0 {
		return
	}
	if err := chownForWorkers(f, &syscall.Credential{Uid: 4000000, Gid: 4000001}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(f)
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 4000000 || st.Gid != 4000001 {
		t.Errorf("owner %d:%d, want 4000000:4000001", st.Uid, st.Gid)
	}
}

func lookupForTest(t *testing.T, name string) *user.User {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Skipf("no user %q here: %v", name, err)
	}
	return u
}

// groupsOf is what initgroups gives u with primary group gid.
func groupsOf(t *testing.T, u *user.User, gid uint32) []uint32 {
	t.Helper()
	ids, err := u.GroupIds()
	if err != nil {
		t.Fatal(err)
	}
	groups := []uint32{gid}
	for _, id := range ids {
		if n := mustID(t, id); !slices.Contains(groups, n) {
			groups = append(groups, n)
		}
	}
	return groups
}

func mustID(t *testing.T, s string) uint32 {
	t.Helper()
	n, ok := parseID(s)
	if !ok {
		t.Fatalf("%q is not an id", s)
	}
	return n
}

func joinIDs(ids []uint32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(uint64(id), 10)
	}
	return strings.Join(s, " ")
}
