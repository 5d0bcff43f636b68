package starcfg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocorn/gocorn/instrument/accesslog"
)

// checkFunc validates a converted setting value and may normalise it
// (lower-case a log level, make a path absolute). Its error names no
// setting: the caller adds where the value came from.
type checkFunc func(v any, c *checkContext) (any, error)

// checkContext is what checks may consult beyond the value itself.
type checkContext struct {
	// dir resolves relative paths. Empty means "skip checks that look at
	// the file system": EvalSources runs in a worker whose working
	// directory may already be the master's chdir.
	dir string
}

// atLeast rejects integers below min.
func atLeast(min int) checkFunc {
	return func(v any, _ *checkContext) (any, error) {
		if n := v.(int); n < min {
			return nil, belowMin(int64(n), min)
		}
		return v, nil
	}
}

// checkWorkerClass accepts the worker classes gocorn implements.
func checkWorkerClass(v any, _ *checkContext) (any, error) {
	s := v.(string)
	for _, w := range workerClasses {
		if s == w {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%q is not a worker class (want %s)%s",
		s, orList(workerClasses), didYouMean(s, workerClasses))
}

// checkLogLevel accepts gunicorn's log levels in any case and stores
// them lower-case.
func checkLogLevel(v any, _ *checkContext) (any, error) {
	s := strings.ToLower(v.(string))
	for _, l := range logLevels {
		if s == l {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%q is not a log level (want %s)%s",
		v.(string), orList(logLevels), didYouMean(s, logLevels))
}

// checkRawEnv requires KEY=VALUE entries with a non-empty key.
func checkRawEnv(v any, _ *checkContext) (any, error) {
	for _, kv := range v.([]string) {
		if k, _, ok := strings.Cut(kv, "="); !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%q is not KEY=VALUE", kv)
		}
	}
	return v, nil
}

// checkBind parses every address, so a typo fails at load, not at bind.
func checkBind(v any, _ *checkContext) (any, error) {
	for _, a := range v.([]string) {
		if _, err := ParseAddress(a); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// checkAccessLogFormat refuses atoms the access log does not know, which
// would print "-" on every line: the same compile decides at start, on HUP
// and in --check-config, so a check never passes a format a start refuses.
func checkAccessLogFormat(v any, _ *checkContext) (any, error) {
	if err := accesslog.Check(v.(string)); err != nil {
		return nil, err
	}
	return v, nil
}

// checkChdir requires an existing directory and stores it absolute, as
// gunicorn does.
func checkChdir(v any, c *checkContext) (any, error) {
	p := v.(string)
	if p == "" || c == nil || c.dir == "" {
		return v, nil
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(c.dir, abs)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("directory %q does not exist", p)
	case err != nil:
		return nil, fmt.Errorf("cannot use directory %q: %v", p, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("%q is not a directory", p)
	}
	return filepath.Clean(abs), nil
}

// checkConfigPath accepts PATH and file:PATH (stored without the prefix)
// and explains that python:MODULE has no meaning for gocorn.
func checkConfigPath(v any, _ *checkContext) (any, error) {
	s := v.(string)
	if strings.HasPrefix(s, "python:") {
		return nil, fmt.Errorf("%q names a Python module, but gocorn reads Starlark: "+
			"give the path of a .star file (PATH or file:PATH)", s)
	}
	return strings.TrimPrefix(s, "file:"), nil
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// didYouMean is a " (did you mean "x"?)" suffix, or "" when nothing is close.
func didYouMean(s string, candidates []string) string {
	if best := suggest(s, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}
