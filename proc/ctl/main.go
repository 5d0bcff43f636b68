// Package ctl is gocorn ctl, the client of the control socket: one
// command (gocorn ctl show workers), an interactive prompt, or top, a
// live view of the workers. It speaks to gunicorn 26 masters too, and
// prints gunicornc's tables.
package ctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/gocorn/gocorn/proc/control"
	"github.com/gocorn/gocorn/starcfg"
)

// Exit codes, as gunicornc's.
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitInterrupt = 130
)

// options are gocorn ctl's flags: gunicornc's -s, -j and -c, and the
// command as plain words.
type options struct {
	Socket  string   `short:"s" placeholder:"PATH" help:"The control socket (default: $XDG_RUNTIME_DIR/gocorn.ctl if that directory exists, else ~/.gocorn/gocorn.ctl)."`
	JSON    bool     `short:"j" name:"json" help:"Print each reply's data as JSON, for scripts."`
	Command string   `short:"c" placeholder:"COMMAND" help:"The command to run, as gunicornc -c; the same as giving it as words."`
	Words   []string `arg:"" optional:"" passthrough:"partial" name:"command" help:"The command: show all|workers|stats|config|listeners|dirty, worker add [N]|remove [N]|kill PID, reload, reopen, shutdown [graceful|quick], help, or top [-n N] [-d SECONDS]. Without one, a prompt reads commands."`
}

const description = "Talk to a running gocorn master over its control socket (gunicorn's control " +
	"protocol: gunicornc works too). Exit status: 0, or 1 with the error on stderr."

// Main runs gocorn ctl with args (what follows "ctl" on the command line)
// and returns its exit code.
func Main(args []string) int {
	var opts options
	if code, done := parse("gocorn ctl", &opts, args, description); done {
		return code
	}
	path, err := socketPath(opts.Socket)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		return exitError
	}
	command := strings.Join(opts.Words, " ")
	if opts.Command != "" {
		command = opts.Command
	}
	switch {
	case command == "":
		return interactive(path, opts.JSON, os.Stdin, os.Stdout)
	case len(opts.Words) > 0 && opts.Words[0] == "top" && opts.Command == "":
		return runTop(path, opts.Words[1:])
	}
	return once(path, command, opts.JSON, os.Stdout, os.Stderr)
}

// parse parses args into target with kong; done says to exit with code
// (after -h, or a usage error, which kong has printed).
func parse(name string, target any, args []string, desc string) (code int, done bool) {
	type exit struct{ code int }
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(exit)
			if !ok {
				panic(r)
			}
			code, done = e.code, true
		}
	}()
	parser, err := kong.New(target, kong.Name(name), kong.Description(desc),
		kong.Exit(func(code int) { panic(exit{code}) }), kong.ConfigureHelp(kong.HelpOptions{Compact: true}))
	if err != nil {
		panic("ctl: bad kong grammar: " + err.Error())
	}
	if _, err := parser.Parse(args); err != nil {
		parser.Errorf("%s", err)
		return exitUsage, true
	}
	return exitOK, false
}

// socketPath is -s made absolute, else the default path rule's.
func socketPath(flag string) (string, error) {
	if flag == "" {
		if p := starcfg.DefaultControlSocket(os.LookupEnv); p != "" {
			return p, nil
		}
		return "", errors.New("no control socket path: neither XDG_RUNTIME_DIR nor HOME is set; give -s PATH")
	}
	return filepath.Abs(flag)
}

// once runs one command and prints its reply.
func once(path, command string, asJSON bool, stdout, stderr io.Writer) int {
	c, err := control.Dial(path)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitError
	}
	defer c.Close()
	data, err := c.Send(command)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitError
	}
	fmt.Fprintln(stdout, render(command, data, asJSON))
	return exitOK
}

// render is a reply as gocorn ctl prints it: indented JSON with --json,
// else as Format draws it.
func render(command string, data json.RawMessage, asJSON bool) string {
	cmd, err := control.Parse(command, nil)
	if asJSON || err != nil {
		if len(data) == 0 {
			return "{}"
		}
		return indented(data)
	}
	return Format(cmd, data)
}

// runTop connects and runs top with its own flags.
func runTop(path string, args []string) int {
	var opts topOptions
	if code, done := parse("gocorn ctl top", &opts, args, "A live view of the workers, like uwsgitop: q or Ctrl-C quits."); done {
		return code
	}
	c, err := control.Dial(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		return exitError
	}
	defer c.Close()
	return top(c, opts, os.Stdin, os.Stdout, os.Stderr)
}
