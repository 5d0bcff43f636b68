package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// The markers around the part of docs/performance.md this tool writes:
// everything outside them is the humans', and survives a rerun.
const (
	beginMarker = "<!-- gocorn-bench: begin generated results; `just bench` rewrites what is between these markers -->"
	endMarker   = "<!-- gocorn-bench: end generated results -->"
)

// newDoc is docs/performance.md before anyone wrote in it: a title, the
// markers, and a place for the reasoning.
const newDoc = `# Performance

What pre-fork costs gocorn against one bare Go process serving the same bytes, measured by
` + "`just bench`" + ` (cmd/gocorn-bench); see issue 11 for the targets.

` + beginMarker + `
` + endMarker + `

## Reasoning

What the numbers say, what was tried and what lost: written by hand, kept across reruns.
`

// splice puts generated between the markers of doc, or into newDoc when
// doc is empty. It refuses a doc whose markers are missing or out of
// order rather than lose what people wrote.
func splice(doc, generated string) (string, error) {
	if doc == "" {
		doc = newDoc
	}
	begin := strings.Index(doc, beginMarker)
	end := strings.Index(doc, endMarker)
	switch {
	case begin < 0 || end < 0:
		return "", errors.New("it lacks the markers between which the results go; put these two lines where they belong:\n\t" +
			beginMarker + "\n\t" + endMarker)
	case end < begin || strings.Count(doc, beginMarker) > 1 || strings.Count(doc, endMarker) > 1:
		return "", errors.New("its markers are repeated or out of order; keep one of each, begin before end")
	}
	generated = strings.TrimRight(generated, "\n")
	return doc[:begin+len(beginMarker)] + "\n" + generated + "\n" + doc[end:], nil
}

// writeDoc splices generated into the doc at path, creating it if need be.
func writeDoc(path, generated string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	doc, err := splice(string(old), generated)
	if err != nil {
		return fmt.Errorf("can't update %s: %v", path, err)
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
