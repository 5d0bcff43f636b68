package starcfg

import (
	"errors"
	"fmt"
	"os/user"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
)

// The type and checks of the settings that say who the workers run as
// (user, group), and the umask for unix sockets.

// typeID is the type of user and group.
var typeID valueType = idType{}

// idType is a user or group, by name or number, as gunicorn accepts them:
// a string, a non-negative int, or None. It is stored as a string ("" for
// None), so the master can look a name up again when it starts workers.
type idType struct{}

func (idType) name() string { return "string, int or None" }

func (idType) convert(v starlark.Value) (any, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return "", nil
	case starlark.String:
		s := strings.TrimSpace(string(v))
		if n, err := strconv.ParseUint(s, 10, 64); err == nil && isNumericID(s) {
			s = strconv.FormatUint(n, 10) // "0033" is uid 33
		}
		return s, nil
	case starlark.Int:
		n, ok := v.Int64()
		switch {
		case !ok:
			return nil, fmt.Errorf("%s is too large", v)
		case n < 0:
			return nil, belowMin(n, 0)
		}
		return strconv.FormatInt(n, 10), nil
	}
	return nil, wrongType(v, "string, int or None")
}

// format prints a number as an int and a name as a string, so
// --print-config shows what the file would say.
func (idType) format(v any) string {
	s := v.(string)
	switch {
	case s == "":
		return "None"
	case isNumericID(s):
		return s
	}
	return starlark.String(s).String()
}

// starlarkValue is the value server.cfg and worker.cfg show to hooks: an
// int for a number, a string for a name, None for unset, as format prints.
func (idType) starlarkValue(v any) starlark.Value {
	s := v.(string)
	switch {
	case s == "":
		return starlark.None
	case isNumericID(s):
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return starlark.MakeUint64(n)
		}
	}
	return starlark.String(s)
}

// maxPermissionBits is the largest meaningful mask or mode: the
// permission bits.
const maxPermissionBits = 0o777

// checkPermissionBits keeps umask and control_socket_mode to the
// permission bits. They are ints like any other, so strings convert as
// gunicorn's umask does: "022" (a leading 0 means octal), "0o22", "0x12"
// and "18" are the same mask.
func checkPermissionBits(v any, _ *checkContext) (any, error) {
	if n := v.(int); n > maxPermissionBits {
		return nil, fmt.Errorf("got 0o%o, want 0o777 or less", n)
	}
	return v, nil
}

// checkUser requires a user name to exist, so a typo fails when the
// config is loaded rather than when the first worker starts. Numbers are
// taken as they are: a uid needs no entry in the user database (as with
// the random uids of OpenShift).
func checkUser(v any, c *checkContext) (any, error) {
	s := v.(string)
	if s == "" || c == nil || c.dir == "" {
		return v, nil // None, or a worker replaying the sources: the master checked
	}
	if isNumericID(s) {
		if _, err := strconv.ParseUint(s, 10, 32); err != nil {
			return nil, fmt.Errorf("uid %s is out of range", s)
		}
		return v, nil
	}
	_, err := user.Lookup(s)
	var unknown user.UnknownUserError
	switch {
	case errors.As(err, &unknown):
		return nil, fmt.Errorf("there is no user named %q on this system", s)
	case err != nil:
		return nil, fmt.Errorf("cannot look up user %q: %v", s, err)
	}
	return v, nil
}

// checkGroup is checkUser for groups.
func checkGroup(v any, c *checkContext) (any, error) {
	s := v.(string)
	if s == "" || c == nil || c.dir == "" {
		return v, nil
	}
	if isNumericID(s) {
		if _, err := strconv.ParseUint(s, 10, 32); err != nil {
			return nil, fmt.Errorf("gid %s is out of range", s)
		}
		return v, nil
	}
	_, err := user.LookupGroup(s)
	var unknown user.UnknownGroupError
	switch {
	case errors.As(err, &unknown):
		return nil, fmt.Errorf("there is no group named %q on this system", s)
	case err != nil:
		return nil, fmt.Errorf("cannot look up group %q: %v", s, err)
	}
	return v, nil
}

// isNumericID reports whether s is all ASCII digits: a uid or gid rather
// than a name.
func isNumericID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
