package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/gocorn/gocorn/server/tlstest"
)

// Bounds on everything that waits on a server, so that a broken server
// costs seconds, never a hung run.
const (
	startTimeout  = 30 * time.Second // until "Listening at:" is logged
	answerTimeout = 15 * time.Second // until GET / answers 200
	stopGrace     = 10 * time.Second // after SIGTERM, before SIGKILL
	warmup        = 1 * time.Second
	buildTimeout  = 5 * time.Minute
)

// options are the command-line flags.
type options struct {
	duration    time.Duration
	connections int
	threads     int
	only        string
	gocorn      string
}

func (o options) check() error {
	if o.duration < time.Second || o.duration%time.Second != 0 {
		return fmt.Errorf("-duration must be a whole number of seconds, at least 1s (wrk's granularity); got %s", o.duration)
	}
	if o.threads < 1 {
		return fmt.Errorf("-threads must be at least 1; got %d", o.threads)
	}
	if o.connections < o.threads {
		return fmt.Errorf("-connections (%d) must be at least -threads (%d): wrk gives each thread its own connections", o.connections, o.threads)
	}
	return nil
}

// tools are the programs and the scratch directory the cases start
// servers from.
type tools struct {
	self     string // this binary, re-executed as the bare server
	gocorn   string
	gunicorn string
	dir      string
	pki      *tlstest.PKI // the certificate of the TLS cases, made for the run
}

// A benchCase is one row of the table: a server and how wrk loads it.
type benchCase struct {
	key      string // name for -only
	label    string // name in the table
	close    bool   // wrk sends "Connection: close"
	baseline string // key of the case this one is compared with; "" for a baseline
	needs    string // "gocorn" or "gunicorn" when the case needs that program
	tls      bool   // the server serves TLS (with tools.pki)
	spec     func(tools) serverSpec
}

// cases are all the rows, in the order they run and print.
var cases = []benchCase{
	{key: "bare", label: "bare (keep-alive)", spec: bareSpec},
	{key: "gthread", label: "gocorn gthread -w 2", baseline: "bare", needs: "gocorn",
		spec: gocornSpec("-k", "gthread", "-w", "2", "--threads", "64")},
	{key: "hooks", label: "gocorn gthread + empty hooks", baseline: "gthread", needs: "gocorn",
		spec: gocornHooksSpec("-k", "gthread", "-w", "2", "--threads", "64")},
	{key: "access", label: "gocorn gthread + access log", baseline: "gthread", needs: "gocorn",
		spec: gocornLogSpec("access.log", "-k", "gthread", "-w", "2", "--threads", "64")},
	{key: "json", label: "gocorn gthread + JSON access log", baseline: "gthread", needs: "gocorn",
		spec: gocornLogSpec("json.log", "--access-logformat", "json", "-k", "gthread", "-w", "2", "--threads", "64")},
	{key: "statsd", label: "gocorn gthread + statsd", baseline: "gthread", needs: "gocorn",
		spec: gocornStatsdSpec("-k", "gthread", "-w", "2", "--threads", "64")},
	{key: "gunicorn", label: "gunicorn gthread -w 2", baseline: "bare", needs: "gunicorn", spec: gunicornSpec},
	{key: "bare-tls", label: "bare TLS (keep-alive)", tls: true, spec: bareTLSSpec},
	{key: "tls", label: "gocorn gthread -w 2, TLS", baseline: "bare-tls", needs: "gocorn", tls: true,
		spec: gocornTLSSpec("-k", "gthread", "-w", "2", "--threads", "64")},
	{key: "bare-close", label: "bare (Connection: close)", close: true, spec: bareSpec},
	{key: "sync", label: "gocorn sync -w 2 (close)", close: true, baseline: "bare-close", needs: "gocorn",
		spec: gocornSpec("-k", "sync", "-w", "2")},
}

func caseKeys() string {
	keys := make([]string, len(cases))
	for i, c := range cases {
		keys[i] = c.key
	}
	return strings.Join(keys, ", ")
}

// selectCases returns the cases named in only (all when it is empty), with
// the baselines they are compared with, in table order.
func selectCases(only string) ([]benchCase, error) {
	if strings.TrimSpace(only) == "" {
		return cases, nil
	}
	want := map[string]bool{}
	for _, k := range strings.Split(only, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		i := slices.IndexFunc(cases, func(c benchCase) bool { return c.key == k })
		if i < 0 {
			return nil, fmt.Errorf("-only: unknown case %q; the cases are %s", k, caseKeys())
		}
		// The case, its baseline, the baseline's baseline and so on.
		for c := cases[i]; !want[c.key]; {
			want[c.key] = true
			j := slices.IndexFunc(cases, func(b benchCase) bool { return b.key == c.baseline })
			if j < 0 {
				break
			}
			c = cases[j]
		}
	}
	var sel []benchCase
	for _, c := range cases {
		if want[c.key] {
			sel = append(sel, c)
		}
	}
	return sel, nil
}

// run prepares the tools the selected cases need, measures each case in
// turn and prints the report on stdout; progress goes to stderr. It fails
// when a case could not be measured or a server did not stop cleanly.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	sel, err := selectCases(o.only)
	if err != nil {
		return err
	}
	wrkPath, err := exec.LookPath("wrk")
	if err != nil {
		return errors.New("wrk is not installed (it generates the load); install it with: apt-get install wrk")
	}
	dir, err := os.MkdirTemp("", "gocorn-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	rep := report{
		machine:  describeMachine(wrkPath),
		duration: o.duration,
		conns:    o.connections,
		threads:  o.threads,
	}
	t := tools{dir: dir}
	if t.self, err = os.Executable(); err != nil {
		return fmt.Errorf("can't find this program's own binary to run the bare server: %v", err)
	}
	if needs(sel, "gocorn") {
		if t.gocorn, err = findGocorn(ctx, o.gocorn, dir, stderr); err != nil {
			return err
		}
	}
	if needs(sel, "gunicorn") {
		if t.gunicorn, err = findGunicorn(dir); err != nil {
			rep.notes = append(rep.notes, fmt.Sprintf("gunicorn: skipped: %v.", err))
			sel = slices.DeleteFunc(sel, func(c benchCase) bool { return c.needs == "gunicorn" })
		}
	}

	if slices.ContainsFunc(sel, func(c benchCase) bool { return c.tls }) {
		if t.pki, err = tlstest.Generate(dir); err != nil {
			return fmt.Errorf("making the TLS cases' certificate: %v", err)
		}
	}

	w := wrk{path: wrkPath, threads: o.threads, connections: o.connections}
	for _, c := range sel {
		fmt.Fprintf(stderr, "gocorn-bench: %s: %s of load after %s of warm-up\n", c.label, o.duration, warmup)
		rep.results = append(rep.results, measure(ctx, c, t, w, o.duration))
		if ctx.Err() != nil {
			return errors.New("interrupted; every server started has been stopped")
		}
	}
	rep.date = time.Now()
	rep.write(stdout)
	if n := rep.failures(); n > 0 {
		return fmt.Errorf("%d of %d cases had problems; see the notes under the table", n, len(rep.results))
	}
	return nil
}

func needs(sel []benchCase, program string) bool {
	return slices.ContainsFunc(sel, func(c benchCase) bool { return c.needs == program })
}

// measure starts the case's server, waits until it answers, warms it up,
// loads it with wrk and stops it, whatever happened in between.
func measure(ctx context.Context, c benchCase, t tools, w wrk, d time.Duration) (r result) {
	r.c = c
	inst, err := start(ctx, c.spec(t), startTimeout)
	if err != nil {
		r.err = err
		return r
	}
	defer func() {
		if err := inst.stop(stopGrace); err != nil {
			r.notes = append(r.notes, err.Error())
		}
	}()
	var trust *tls.Config
	if c.tls {
		trust = t.pki.ClientConfig()
	}
	if err := inst.waitAnswering(ctx, answerTimeout, trust); err != nil {
		r.err = err
		return r
	}
	url := inst.url + "/"
	if _, err := w.run(ctx, url, warmup, c.close); err != nil {
		r.err = fmt.Errorf("warm-up failed: %v", err)
		return r
	}
	r.wrk, r.err = w.run(ctx, url, d, c.close)
	if r.err == nil && r.wrk.Requests == 0 {
		r.err = fmt.Errorf("wrk completed no request in %s", d)
	}
	if r.err == nil && inst.exitedEarly() {
		r.err = fmt.Errorf("%s exited during the run; its last output:\n%s", inst.name, inst.log.String())
	}
	return r
}
