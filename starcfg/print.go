package starcfg

import (
	"bufio"
	"fmt"
	"io"
)

// Print writes every setting as `name = value`, one per line, sorted by
// name with names left-justified to the longest, as gunicorn's
// --print-config does. Values are in Starlark syntax ("sync", 4, True,
// ["a"], None), so the output can be pasted into gocorn.conf.star.
func (c *Config) Print(w io.Writer) error {
	names := settingNames()
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	bw := bufio.NewWriter(w)
	for _, n := range names {
		s := settingsByName[n]
		fmt.Fprintf(bw, "%-*s = %s\n", width, n, s.typ.format(loadValue(s.field(c))))
	}
	return bw.Flush()
}
