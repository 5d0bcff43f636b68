package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"
)

// A sample is one server's numbers under one mode's load in one round.
type sample struct {
	wrk   wrkResult
	cpu   time.Duration // utime + stime of the server's processes over the load
	wall  time.Duration // how long that CPU time was counted over
	rss   int64         // bytes, summed over the server's processes as the load ended
	procs int           // the server's processes as the load ended
	err   error         // the sample could not be taken; the rest is zero
}

// cpuPerRequest is the CPU time the server spent per request completed.
func (s sample) cpuPerRequest() time.Duration {
	if s.wrk.Requests == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.wrk.Requests)
}

// cores is how many CPUs the server kept busy, on average, under load.
func (s sample) cores() float64 {
	if s.wall <= 0 {
		return 0
	}
	return s.cpu.Seconds() / s.wall.Seconds()
}

// A load is how every server is loaded: wrk, for how long, after what
// warm-up.
type load struct {
	wrk      wrk
	duration time.Duration
	warmup   time.Duration
}

// measureServer starts c's server, waits until it answers, then in each
// mode warms it up and loads it with wrk while reading its processes'
// CPU and memory; it stops the server whatever happened in between. It
// hands done a sample per mode (failed ones when the server never
// answered), and returns any problem stopping the server.
func measureServer(ctx context.Context, c benchCase, t tools, l load, ms []mode, done func(mode, sample)) (stopErr error) {
	fail := func(err error) {
		for _, m := range ms {
			done(m, sample{err: err})
		}
	}
	inst, err := start(ctx, c.spec(t), startTimeout)
	if err != nil {
		fail(err)
		return nil
	}
	defer func() { stopErr = inst.stop(stopGrace) }()
	var trust *tls.Config
	if c.tls {
		trust = t.pki.ClientConfig()
	}
	if err := inst.waitAnswering(ctx, answerTimeout, trust); err != nil {
		fail(err)
		return nil
	}
	for _, m := range ms {
		done(m, loadOnce(ctx, inst, l, m))
		if ctx.Err() != nil {
			return nil
		}
	}
	return nil
}

// loadOnce warms the running server up and measures it under one mode's
// load.
func loadOnce(ctx context.Context, inst *instance, l load, m mode) sample {
	url := inst.url + "/"
	if _, err := l.wrk.run(ctx, url, l.warmup, m.close); err != nil {
		return sample{err: fmt.Errorf("warm-up failed: %v", err)}
	}
	pgid := inst.cmd.Process.Pid
	before := groupUsage(pgid)
	res, err := l.wrk.run(ctx, url, l.duration, m.close)
	after := groupUsage(pgid)
	switch {
	case err != nil:
		return sample{err: err}
	case res.Requests == 0:
		return sample{err: fmt.Errorf("wrk completed no request in %s", l.duration)}
	case inst.exitedEarly():
		return sample{err: fmt.Errorf("%s exited during the run; its last output:\n%s", inst.name, inst.log)}
	}
	return sample{
		wrk:   res,
		cpu:   max(after.cpu-before.cpu, 0),
		wall:  after.at.Sub(before.at),
		rss:   after.rss,
		procs: after.procs,
	}
}
