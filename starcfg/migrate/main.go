package migrate

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gocorn/gocorn/starcfg"
)

// Exit codes: 0 when everything was translated, 1 when something was
// left for the user (marked in the output) or the output fails
// --check-config, 2 for a bad command line or an unreadable input.
const (
	exitOK    = 0
	exitLeft  = 1
	exitUsage = 2
)

const usage = `Usage: gocorn migrate [-o FILE] gunicorn.conf.py
       gocorn migrate --cmdline 'gunicorn -w 4 -b :8000 myproj.wsgi'

Translate a gunicorn config file into gocorn.conf.star (on stdout, or into
FILE with -o), or a gunicorn command line into gocorn's. What cannot be
translated is commented out with the source line and the reason, and the
exit status is 1; 0 means everything was translated. See docs/migrate.md.
`

// Main runs gocorn migrate with args (what follows "migrate" on the
// command line) and returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gocorn migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed below: -h to stdout, a mistake to stderr
	out := fs.String("o", "", "write the translation to `FILE` instead of stdout")
	cmdline := fs.String("cmdline", "", "translate this gunicorn `COMMAND` line instead of a file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return exitOK
		}
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch {
	case *cmdline != "" && fs.NArg() == 0:
		return runCmdline(*cmdline, stdout, stderr)
	case *cmdline == "" && fs.NArg() == 1:
		return runFile(fs.Arg(0), *out, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return exitUsage
}

func runCmdline(line string, stdout, stderr io.Writer) int {
	c, err := Cmdline(line)
	if err != nil {
		fmt.Fprintf(stderr, "gocorn migrate: %v\n", err)
		return exitUsage
	}
	for _, n := range c.Notes {
		fmt.Fprintf(stderr, "gocorn migrate: %s\n", n)
	}
	fmt.Fprintln(stdout, c.String())
	return leftStatus(c.Left, "argument", "see the notes above", stderr)
}

func runFile(path, out string, stdout, stderr io.Writer) int {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "gocorn migrate: %v\n", err)
		return exitUsage
	}
	res, err := Config(filepath.Base(path), src)
	if err != nil {
		fmt.Fprintf(stderr, "gocorn migrate: %v\n", err)
		return exitUsage
	}
	if err := write(out, res.Star, stdout); err != nil {
		fmt.Fprintf(stderr, "gocorn migrate: %v\n", err)
		return exitLeft
	}
	if err := Check(res.Star, os.Environ()); err != nil {
		fmt.Fprintf(stderr, "gocorn migrate: the translation does not pass --check-config here:\n%v\n", err)
		return exitLeft
	}
	return leftStatus(res.Left, "statement", `marked "gocorn migrate:"`, stderr)
}

// write puts the translation in the file out, or on stdout.
func write(out string, star []byte, stdout io.Writer) error {
	if out == "" {
		_, err := stdout.Write(star)
		return err
	}
	return os.WriteFile(out, star, 0o644)
}

// leftStatus says how much was left and returns the exit code.
func leftStatus(left int, what, where string, stderr io.Writer) int {
	if left == 0 {
		return exitOK
	}
	s := ""
	if left > 1 {
		s = "s"
	}
	fmt.Fprintf(stderr, "gocorn migrate: %d %s%s left untranslated, %s\n", left, what, s, where)
	return exitLeft
}

// Check evaluates a translated file as gocorn -c gocorn.conf.star
// --check-config would, with environ as the environment, and returns
// the configuration errors.
func Check(star []byte, environ []string) error {
	dir, err := os.MkdirTemp("", "gocorn-migrate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), star, 0o644); err != nil {
		return err
	}
	_, err = starcfg.Resolve(starcfg.Invocation{
		Args:    []string{"-c", "gocorn.conf.star", "--check-config"},
		Environ: environ,
		Dir:     dir,
		Stdout:  io.Discard,
		Stderr:  io.Discard,
	})
	return err
}
