package starcfg

import (
	"go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// predeclared is what a config file may use beyond Starlark's universe:
//
//	cpu_count()              CPUs this process may use (honours cgroup quotas)
//	env(name, default=None)  an environment variable of gocorn's invocation
//	struct(**kwargs)         an immutable record, as in Bazel
//	json                     encode, decode, encode_indent, indent
//
// The environment is the Invocation's, not os.Getenv, so a HUP and a
// worker see what the master was started with and tests need no setenv.
func predeclared(env environ, cpus cpuCounter) starlark.StringDict {
	return starlark.StringDict{
		"cpu_count": starlark.NewBuiltin("cpu_count", cpuCountBuiltin(cpus)),
		"env":       starlark.NewBuiltin("env", envBuiltin(env)),
		"struct":    starlark.NewBuiltin("struct", starlarkstruct.Make),
		"json":      json.Module,
	}
}

// builtinFunc is the signature of a Starlark builtin's Go implementation.
type builtinFunc = func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)

func cpuCountBuiltin(cpus cpuCounter) builtinFunc {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
			return nil, err
		}
		return starlark.MakeInt(cpus.count()), nil
	}
}

func envBuiltin(env environ) builtinFunc {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var name string
		var dflt starlark.Value = starlark.None
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "default?", &dflt); err != nil {
			return nil, err
		}
		if v, ok := env.lookup(name); ok {
			return starlark.String(v), nil
		}
		return dflt, nil
	}
}
