package starcfg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Source is one config file as evaluated: the master records the bytes of
// every file it ran so workers can run the very same generation, even if
// the files on disk change in between.
type Source struct {
	Path string // absolute path
	Data []byte
}

// readFunc reads a config file by absolute path: from disk for the
// master, from the recorded sources for a worker.
type readFunc func(abs string) ([]byte, error)

// readDisk reads files from the file system.
func readDisk(abs string) ([]byte, error) { return os.ReadFile(abs) }

// readRecorded reads files from recorded sources only; anything else does
// not exist, so a worker never reads the disk.
func readRecorded(sources []Source) readFunc {
	byPath := make(map[string][]byte, len(sources))
	for _, s := range sources {
		byPath[s.Path] = s.Data
	}
	return func(abs string) ([]byte, error) {
		if data, ok := byPath[abs]; ok {
			return data, nil
		}
		return nil, errors.New("not among the config files the master evaluated")
	}
}

// loader runs a config file and the files it load()s, each once per
// evaluation, and records their bytes in the order they were read.
//
// Files are named two ways: by absolute path, the cache key, and by a
// display name (the path as the user gave it, joined with the relative
// paths of load statements), which is what positions and errors show.
type loader struct {
	read        readFunc
	predeclared starlark.StringDict
	modules     map[string]*module // by absolute path
	absOf       map[string]string  // display name -> absolute path
	running     []string           // display names being executed, outermost first
	sources     []Source
}

// module is one file's outcome; done is false while it runs, which is how
// a load cycle shows.
type module struct {
	display string
	file    *syntax.File
	globals starlark.StringDict
	err     error
	done    bool
}

// fileOptions is the Starlark dialect of config files: top-level if/for
// and reassignment, as a gunicorn config written in Python would use;
// sets; no while and no recursion, so only the step and time limits stand
// between a config and an endless loop; load() binds file-local names, so
// a loaded name never becomes a setting by accident.
var fileOptions = &syntax.FileOptions{
	TopLevelControl: true,
	GlobalReassign:  true,
	Set:             true,
}

func newLoader(read readFunc, predeclared starlark.StringDict) *loader {
	return &loader{
		read:        read,
		predeclared: predeclared,
		modules:     make(map[string]*module),
		absOf:       make(map[string]string),
	}
}

// load is the Thread.Load hook: it resolves name relative to the file
// whose load statement is executing.
func (l *loader) load(thread *starlark.Thread, name string) (starlark.StringDict, error) {
	from := thread.CallFrame(0).Pos.Filename()
	display, abs := name, name
	if !filepath.IsAbs(name) {
		display = filepath.Join(filepath.Dir(from), name)
		abs = filepath.Join(filepath.Dir(l.absOf[from]), name)
	}
	m := l.exec(thread, display, filepath.Clean(abs))
	return m.globals, m.err
}

// exec runs the file at abs unless it already ran in this evaluation.
func (l *loader) exec(thread *starlark.Thread, display, abs string) *module {
	if m, ok := l.modules[abs]; ok {
		if !m.done {
			return &module{err: l.cycleError(m.display)}
		}
		return m
	}
	m := &module{display: display}
	l.modules[abs] = m
	l.absOf[display] = abs
	l.running = append(l.running, display)
	defer func() {
		l.running = l.running[:len(l.running)-1]
		m.done = true
	}()

	data, err := l.read(abs)
	if err != nil {
		m.err = readError(display, err)
		return m
	}
	l.sources = append(l.sources, Source{Path: abs, Data: data})
	m.file, m.globals, m.err = l.run(thread, display, data)
	return m
}

// run compiles and executes one file, then freezes its globals so hooks
// can later be called from many goroutines.
func (l *loader) run(thread *starlark.Thread, display string, data []byte) (*syntax.File, starlark.StringDict, error) {
	file, prog, err := starlark.SourceProgramOptions(fileOptions, display, data, l.predeclared.Has)
	if err != nil {
		return nil, nil, hintCompileError(err, data, undefinedCandidates(l.predeclared))
	}
	globals, err := prog.Init(thread, l.predeclared)
	globals.Freeze()
	return file, globals, err
}

// cycleError describes a load cycle from the first file that closes it.
func (l *loader) cycleError(display string) error {
	chain := l.running
	for i, d := range chain {
		if d == display || l.absOf[d] == l.absOf[display] {
			chain = chain[i:]
			break
		}
	}
	return fmt.Errorf("load cycle: %s -> %s", strings.Join(chain, " -> "), display)
}

// readError says why a config file could not be read, in a sentence.
func readError(display string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist) && errors.As(err, &pe):
		return fmt.Errorf("%s: no such file", display)
	case errors.As(err, &pe):
		return fmt.Errorf("%s: cannot read: %v", display, pe.Err)
	}
	return fmt.Errorf("%s: %v", display, err)
}
