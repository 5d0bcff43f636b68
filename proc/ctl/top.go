package ctl

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/proc/control"
)

// topOptions are top's flags, after top's own name.
type topOptions struct {
	Iterations int     `short:"n" placeholder:"N" help:"Stop after N frames; 0 runs until q or Ctrl-C."`
	Delay      float64 `short:"d" default:"1" placeholder:"SECONDS" help:"Seconds between frames."`
}

// screen is where top draws: a terminal, cleared for each frame, or
// anything else (a pipe, a file), which gets the frames one after another.
type screen struct {
	out *os.File
	tty *terminal // nil when in is not a terminal
}

// open takes over the terminal, if in is one.
func openScreen(in, out *os.File) *screen {
	s := &screen{out: out}
	if tty, err := cbreak(in); err == nil {
		s.tty = tty
		out.WriteString(enterScreen)
	}
	return s
}

// close gives the terminal back as it was.
func (s *screen) close() {
	if s.tty != nil {
		s.out.WriteString(leaveScreen)
		s.tty.restore()
	}
}

func (s *screen) draw(cur Sample, prev *Sample) {
	width, height := size(s.out)
	frame := Render(cur, prev, width, height)
	if s.tty != nil {
		s.out.WriteString(homeClear + strings.TrimSuffix(frame, "\n")) // a last newline would scroll a full screen
		return
	}
	s.out.WriteString(frame + "\n")
}

// top shows the workers live, like uwsgitop, until q, Ctrl-C, or the
// master goes away.
func top(c *control.Client, opts topOptions, in, out *os.File, stderr io.Writer) int {
	if opts.Delay <= 0 {
		fmt.Fprintln(stderr, "Error: -d must be more than 0 seconds")
		return 1
	}
	sc := openScreen(in, out)
	defer sc.close()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(stop)
	keys := readKeys(in)
	tick := time.NewTicker(time.Duration(opts.Delay * float64(time.Second)))
	defer tick.Stop()
	var prev *Sample
	for frame := 1; ; frame++ {
		cur, err := sample(c)
		if err != nil {
			sc.close()
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return 1
		}
		sc.draw(cur, prev)
		prev = &cur
		if frame == opts.Iterations {
			return 0
		}
		if !waitFrame(tick.C, keys, stop) {
			return 0
		}
	}
}

// waitFrame waits for the next frame; false means quit: q or Ctrl-C.
// The end of the input (stdin from /dev/null) is not a key: top goes on.
func waitFrame(tick <-chan time.Time, keys <-chan byte, stop <-chan os.Signal) bool {
	for {
		select {
		case <-tick:
			return true
		case <-stop:
			return false
		case k, ok := <-keys:
			switch {
			case !ok:
				keys = nil
			case k == 'q' || k == 'Q':
				return false
			}
		}
	}
}

// readKeys delivers in's bytes; the channel closes at the end of the
// input.
func readKeys(in *os.File) <-chan byte {
	keys := make(chan byte)
	go func() {
		defer close(keys)
		var b [1]byte
		for {
			if n, err := in.Read(b[:]); n == 0 || err != nil {
				return
			}
			keys <- b[0]
		}
	}()
	return keys
}

// sample reads the stats and the workers, reconnecting once if the
// connection was lost (the master reopened its socket on a HUP).
func sample(c *control.Client) (Sample, error) {
	s, err := trySample(c)
	if _, refused := err.(*control.ServerError); err != nil && !refused {
		if c.Reconnect() == nil {
			s, err = trySample(c)
		}
	}
	return s, err
}

func trySample(c *control.Client) (Sample, error) {
	s := Sample{}
	for _, q := range []struct {
		command string
		into    any
	}{{"show stats", &s.Stats}, {"show workers", &s.Workers}} {
		data, err := c.Send(q.command)
		if err != nil {
			return s, err
		}
		if err := json.Unmarshal(data, q.into); err != nil {
			return s, fmt.Errorf("%s: %w", q.command, err)
		}
	}
	s.At = time.Now()
	return s, nil
}
