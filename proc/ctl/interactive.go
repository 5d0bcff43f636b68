package ctl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/gocorn/gocorn/proc/control"
)

// prompt is what the interactive mode asks with (gunicornc's "gunicorn> ").
const prompt = "gocorn> "

// interactive reads commands from in until quit, exit, q, the end of the
// input or Ctrl-C (exit 130), as gunicornc does: errors are printed and
// the prompt goes on, and a lost connection is opened again once.
func interactive(path string, asJSON bool, in io.Reader, out io.Writer) int {
	c, err := control.Dial(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		return exitError
	}
	defer c.Close()
	fmt.Fprintf(out, "Connected to %s\nType 'help' for available commands, 'quit' to exit.\n\n", path)
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	defer signal.Stop(interrupt)
	lines := readLines(in)
	for {
		fmt.Fprint(out, prompt)
		var line string
		var ok bool
		select {
		case line, ok = <-lines:
		case <-interrupt:
			fmt.Fprintln(out)
			return exitInterrupt
		}
		line = strings.TrimSpace(line)
		switch {
		case !ok:
			fmt.Fprintln(out)
			return exitOK
		case line == "":
			continue
		case line == "quit" || line == "exit" || line == "q":
			return exitOK
		}
		if !runLine(c, line, asJSON, out) {
			fmt.Fprintln(out, "Connection lost. Exiting.")
			return exitError
		}
		fmt.Fprintln(out)
	}
}

// runLine sends one command and prints the reply or the error; false
// means the connection is lost for good.
func runLine(c *control.Client, line string, asJSON bool, out io.Writer) bool {
	data, err := c.Send(line)
	var refused *control.ServerError
	switch {
	case err == nil:
		fmt.Fprintln(out, render(line, data, asJSON))
	case errors.As(err, &refused):
		fmt.Fprintf(out, "Error: %v\n", err)
	default:
		fmt.Fprintf(out, "Error: %v\n", err)
		return c.Reconnect() == nil
	}
	return true
}

// readLines delivers in's lines; the channel closes at the end of the
// input.
func readLines(in io.Reader) <-chan string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}
