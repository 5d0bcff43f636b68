package hookrun

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"go.starlark.net/starlark"
)

// This file is Python's printf-style formatting (msg % args) as Python's
// logging applies it to a log call's arguments, so a hook written for
// gunicorn, server.log.info("Worker spawned (pid: %s)", worker.pid), logs
// what it did there. It is wider than Starlark's own % operator: widths,
// precision and flags (%5d, %.2f, %-8s) work, as they do in Python.

// pyFormat is format % args with Python's rules for conversions
// %s %r %a %d %i %u %x %X %o %e %E %f %F %g %G %c and %%, optional
// flags (-+ #0), width and precision. A single dict argument is a
// mapping, for %(name)s, as Python's logging takes it.
func pyFormat(format string, args starlark.Tuple) (string, error) {
	a := &pyArgs{list: args}
	if len(args) == 1 {
		if d, ok := args[0].(*starlark.Dict); ok && d.Len() > 0 {
			a.dict = d
		}
	}
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		spec, n, err := parseSpec(format[i+1:])
		if err != nil {
			return "", err
		}
		i += n
		if spec.conv == '%' {
			b.WriteByte('%')
			continue
		}
		v, err := a.take(spec.key)
		if err != nil {
			return "", err
		}
		text, err := spec.format(v)
		if err != nil {
			return "", err
		}
		b.WriteString(text)
	}
	if a.dict == nil && a.next < len(a.list) {
		return "", errors.New("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// pyArgs are the arguments of one formatting, used in order or by key.
type pyArgs struct {
	list starlark.Tuple
	dict *starlark.Dict // set when the only argument is a non-empty dict
	next int
}

// take returns the value for a conversion: by key for %(key)s, else the
// next argument.
func (a *pyArgs) take(key string) (starlark.Value, error) {
	if key != "" {
		if a.dict == nil {
			return nil, errors.New("format requires a mapping")
		}
		v, found, _ := a.dict.Get(starlark.String(key))
		if !found {
			return nil, fmt.Errorf("no key %q in the mapping", key)
		}
		return v, nil
	}
	if a.next >= len(a.list) {
		return nil, errors.New("not enough arguments for format string")
	}
	a.next++
	return a.list[a.next-1], nil
}

// pySpec is one conversion: %(key)FLAGSWIDTH.PRECISIONconv.
type pySpec struct {
	key  string
	verb string // flags, width and precision, as Go's fmt reads them
	conv byte
	prec bool // a precision was given
}

// parseSpec reads the conversion after a '%' and returns it with the
// number of bytes it took.
func parseSpec(s string) (pySpec, int, error) {
	var sp pySpec
	i := 0
	if strings.HasPrefix(s, "(") {
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return sp, 0, errors.New("incomplete format key")
		}
		sp.key, i = s[1:end], end+1
	}
	start := i
	for i < len(s) && strings.IndexByte("-+ #0", s[i]) >= 0 {
		i++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < len(s) && s[i] == '.' {
		sp.prec = true
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
	}
	sp.verb = s[start:i]
	for i < len(s) && strings.IndexByte("hlL", s[i]) >= 0 { // length modifiers: Python ignores them
		i++
	}
	if i >= len(s) {
		return sp, 0, errors.New("incomplete format")
	}
	sp.conv = s[i]
	return sp, i + 1, nil
}

// format converts v as the spec says.
func (sp pySpec) format(v starlark.Value) (string, error) {
	switch sp.conv {
	case 's':
		return fmt.Sprintf("%"+sp.verb+"s", str(v)), nil
	case 'r', 'a':
		return fmt.Sprintf("%"+sp.verb+"s", v.String()), nil
	case 'd', 'i', 'u':
		n, err := asInt(v, sp.conv, true)
		return fmt.Sprintf("%"+sp.verb+"d", n), err
	case 'x', 'X', 'o':
		n, err := asInt(v, sp.conv, false)
		return fmt.Sprintf("%"+sp.verb+string(sp.conv), n), err
	case 'e', 'E', 'f', 'F', 'g', 'G':
		return sp.formatFloat(v)
	case 'c':
		return sp.formatChar(v)
	}
	return "", fmt.Errorf("unsupported format character '%c'", sp.conv)
}

func (sp pySpec) formatFloat(v starlark.Value) (string, error) {
	f, ok := starlark.AsFloat(v)
	if !ok {
		return "", fmt.Errorf("%%%c format: a real number is required, not %s", sp.conv, v.Type())
	}
	verb := sp.verb
	if !sp.prec && (sp.conv == 'g' || sp.conv == 'G') {
		verb += ".6" // Python's default; Go's is the shortest exact form
	}
	return fmt.Sprintf("%"+verb+string(sp.conv), f), nil
}

func (sp pySpec) formatChar(v starlark.Value) (string, error) {
	if s, ok := starlark.AsString(v); ok && len([]rune(s)) == 1 {
		return fmt.Sprintf("%"+sp.verb+"s", s), nil
	}
	if n, err := asInt(v, 'c', false); err == nil && n.IsInt64() {
		return fmt.Sprintf("%"+sp.verb+"c", rune(n.Int64())), nil
	}
	return "", errors.New("%c requires an int or a single character")
}

// asInt is v as an integer for %d (where a float is truncated, as in
// Python) or %x and %o (where it is an error).
func asInt(v starlark.Value, conv byte, floats bool) (*big.Int, error) {
	switch x := v.(type) {
	case starlark.Int:
		return x.BigInt(), nil
	case starlark.Bool:
		if x {
			return big.NewInt(1), nil
		}
		return big.NewInt(0), nil
	case starlark.Float:
		if floats {
			if i, err := starlark.NumberToInt(x); err == nil {
				return i.BigInt(), nil
			}
		}
	}
	return big.NewInt(0), fmt.Errorf("%%%c format: an integer is required, not %s", conv, v.Type())
}

// str is v as Python's str() shows it: a string as it is, anything else
// as Starlark prints it.
func str(v starlark.Value) string {
	if s, ok := starlark.AsString(v); ok {
		return s
	}
	return v.String()
}
