package proc

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"syscall"

	"github.com/gocorn/gocorn/starcfg"
)

// Worker identity: user, group and initgroups apply to workers only; the
// master keeps the identity it was started with, as in gunicorn, so it can
// still bind privileged ports and reopen its logs on a HUP.

// workerCredential is the identity workers should run as, for
// SysProcAttr.Credential, or nil when it is the master's own (user and
// group unset, or naming the ids the master already has). Names are looked
// up in the user and group databases, numbers are taken as they are.
//
// The rules are gunicorn's: the group changes only when group is set, and
// initgroups applies only then; the user changes only when user is set and
// differs from the master's. Beyond gunicorn, a root master that switches
// workers to another user without initgroups gives them no supplementary
// groups rather than its own (gunicorn leaves them root's groups).
//
// Looking names up again at each spawn is deliberate: the config check
// proved they existed, and a HUP may have changed them.
func workerCredential(cfg *starcfg.Config) (*syscall.Credential, error) {
	if cfg.User == "" && cfg.Group == "" {
		return nil, nil
	}
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	var err error
	if cfg.User != "" {
		if uid, err = lookupUID(cfg.User); err != nil {
			return nil, err
		}
	}
	if cfg.Group != "" {
		if gid, err = lookupGID(cfg.Group); err != nil {
			return nil, err
		}
	}
	if int(uid) == os.Getuid() && int(gid) == os.Getgid() {
		return nil, nil
	}
	cred := &syscall.Credential{Uid: uid, Gid: gid, NoSetGroups: true}
	switch {
	case cfg.Initgroups && cfg.Group != "":
		groups, err := supplementaryGroups(uid, gid)
		if err != nil {
			return nil, err
		}
		cred.Groups, cred.NoSetGroups = groups, false
	case int(uid) != os.Getuid() && os.Geteuid() == 0:
		cred.Groups, cred.NoSetGroups = []uint32{}, false // drop root's groups
	}
	return cred, nil
}

// lookupUID resolves the user setting: a uid, or a user name.
func lookupUID(s string) (uint32, error) {
	if n, ok := parseID(s); ok {
		return n, nil
	}
	u, err := user.Lookup(s)
	var unknown user.UnknownUserError
	switch {
	case errors.As(err, &unknown):
		return 0, fmt.Errorf("user: there is no user named %q on this system", s)
	case err != nil:
		return 0, fmt.Errorf("user: cannot look up %q: %w", s, err)
	}
	n, ok := parseID(u.Uid)
	if !ok {
		return 0, fmt.Errorf("user: %q has uid %q, which is not a number", s, u.Uid)
	}
	return n, nil
}

// lookupGID resolves the group setting: a gid, or a group name.
func lookupGID(s string) (uint32, error) {
	if n, ok := parseID(s); ok {
		return n, nil
	}
	g, err := user.LookupGroup(s)
	var unknown user.UnknownGroupError
	switch {
	case errors.As(err, &unknown):
		return 0, fmt.Errorf("group: there is no group named %q on this system", s)
	case err != nil:
		return 0, fmt.Errorf("group: cannot look up %q: %w", s, err)
	}
	n, ok := parseID(g.Gid)
	if !ok {
		return 0, fmt.Errorf("group: %q has gid %q, which is not a number", s, g.Gid)
	}
	return n, nil
}

// supplementaryGroups is what initgroups(3) would set for uid: the groups
// the user database lists for the user, plus gid. A uid without an entry
// (a bare number, as OpenShift assigns) has none beyond gid, as gunicorn
// falls back to plain setgid then.
func supplementaryGroups(uid, gid uint32) ([]uint32, error) {
	groups := []uint32{gid}
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	var unknown user.UnknownUserIdError
	switch {
	case errors.As(err, &unknown):
		return groups, nil
	case err != nil:
		return nil, fmt.Errorf("initgroups: cannot look up uid %d: %w", uid, err)
	}
	ids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("initgroups: cannot list the groups of user %q: %w", u.Username, err)
	}
	for _, id := range ids {
		n, ok := parseID(id)
		if !ok {
			continue // not a POSIX gid; nothing setgroups could take
		}
		if !slices.Contains(groups, n) {
			groups = append(groups, n)
		}
	}
	return groups, nil
}

// parseID reads a decimal uid or gid.
func parseID(s string) (uint32, bool) {
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

// withUmask runs fn with the process's umask set to mask, then restores
// the previous one: gunicorn applies umask only while it creates unix
// sockets, never to the whole process.
//
// The umask belongs to the process, not the goroutine: while fn runs,
// every file any goroutine creates gets mask. That is fine in the master,
// which binds sockets from its single loop goroutine and creates nothing
// concurrently (log files are opened before or after, not during); do not
// call it where other goroutines create files.
func withUmask(mask int, fn func() error) error {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	return fn()
}

// chownForWorkers gives a file the master creates for the workers (a unix
// socket, a log file) to the workers' user and group, as gunicorn does, so
// they can still reach it after dropping privileges. It does nothing when
// the workers keep the master's identity.
func chownForWorkers(path string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	if err := os.Chown(path, int(cred.Uid), int(cred.Gid)); err != nil {
		return fmt.Errorf("giving %s to the workers' user and group: %w", path, err)
	}
	return nil
}
