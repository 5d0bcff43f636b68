package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/gocorn/gocorn/server/tlstest"
)

// tools are the programs and the scratch directory the cases start
// servers from.
type tools struct {
	self     string // this binary, re-executed as the bare server
	gocorn   string
	gunicorn string
	nginx    string
	fasthttp string
	dir      string
	statsd   string       // address of statsdSink, for the statsd cases
	pki      *tlstest.PKI // the certificate of the TLS cases, made for the run
}

// prepareTools finds or builds what the selected cases need. A case whose
// optional program (gunicorn, nginx, fasthttp) can't be had is dropped
// with a note saying why; missing gocorn is an error. It returns the
// cases that can run.
func prepareTools(ctx context.Context, o options, sel []benchCase, dir string, progress io.Writer) (tools, []benchCase, []string, error) {
	t := tools{dir: dir}
	var err error
	if t.self, err = os.Executable(); err != nil {
		return t, nil, nil, fmt.Errorf("can't find this program's own binary to run the bare server: %v", err)
	}
	if needs(sel, "gocorn") {
		if t.gocorn, err = findGocorn(ctx, o.gocorn, dir, progress); err != nil {
			return t, nil, nil, err
		}
	}
	var notes []string
	for _, opt := range []struct {
		program string
		dst     *string
		find    func() (string, error)
	}{
		{"fasthttp", &t.fasthttp, func() (string, error) { return buildFasthttp(ctx, dir, progress) }},
		{"gunicorn", &t.gunicorn, findGunicorn},
		{"nginx", &t.nginx, findNginx},
	} {
		if !needs(sel, opt.program) {
			continue
		}
		if *opt.dst, err = opt.find(); err != nil {
			notes = append(notes, fmt.Sprintf("The %s cases were skipped: %v.", opt.program, err))
			sel = slices.DeleteFunc(sel, func(c benchCase) bool { return c.needs == opt.program })
		}
	}
	if slices.ContainsFunc(sel, func(c benchCase) bool { return c.tls }) {
		if t.pki, err = tlstest.Generate(dir); err != nil {
			return t, nil, nil, fmt.Errorf("making the TLS cases' certificate: %v", err)
		}
	}
	sink, err := statsdSink()
	if err != nil {
		return t, nil, nil, fmt.Errorf("can't open the UDP socket the statsd cases send to: %v", err)
	}
	t.statsd = sink.LocalAddr().String()
	return t, sel, notes, nil
}

func needs(sel []benchCase, program string) bool {
	return slices.ContainsFunc(sel, func(c benchCase) bool { return c.needs == program })
}
