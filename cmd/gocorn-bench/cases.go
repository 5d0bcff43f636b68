package main

import (
	"fmt"
	"slices"
	"strings"
)

// A benchCase is one server under test: one row of each mode's table.
type benchCase struct {
	key      string // name for -only
	label    string // name in the tables
	baseline string // key of the bare server its ratios are to; "" for a bare server itself
	needs    string // the program it needs besides this one: "gocorn", "gunicorn", "nginx" or "fasthttp"
	tls      bool   // the server serves TLS (with tools.pki)
	extra    bool   // runs only when -only names it: a closer look, not part of the standard table
	spec     specFunc
}

// gthread is gocorn's gthread worker with w workers and the threads every
// gthread case uses, then args.
func gthread(w string, args ...string) []string {
	return append([]string{"-k", "gthread", "-w", w, "--threads", "64"}, args...)
}

// cases are all the servers, in the order they run in every round and
// print: each bare server before the cases compared with it.
var cases = []benchCase{
	{key: "bare", label: "bare net/http, 1 process", spec: bareSpec},
	{key: "sync", label: "gocorn sync -w 2", baseline: "bare", needs: "gocorn", spec: gocornSpec("-k", "sync", "-w", "2")},
	{key: "gthread1", label: "gocorn gthread -w 1", baseline: "bare", needs: "gocorn", spec: gocornSpec(gthread("1")...)},
	{key: "gthread", label: "gocorn gthread -w 2", baseline: "bare", needs: "gocorn", spec: gocornSpec(gthread("2")...)},
	{key: "gthread4", label: "gocorn gthread -w 4", baseline: "bare", needs: "gocorn", spec: gocornSpec(gthread("4")...)},
	{key: "observed", label: "gocorn gthread -w 2, statsd + JSON access log", baseline: "bare", needs: "gocorn",
		spec: withStatsd(withAccessLog("observed.log", gocornSpec(gthread("2", "--access-logformat", "json")...)))},
	{key: "fasthttp", label: "fasthttp prefork, 2 children", baseline: "bare", needs: "fasthttp", spec: fasthttpSpec},
	{key: "gunicorn-sync", label: "gunicorn sync -w 2", baseline: "bare", needs: "gunicorn",
		spec: gunicornSpec("-k", "sync", "-w", "2")},
	{key: "gunicorn", label: "gunicorn gthread -w 2 --threads 4", baseline: "bare", needs: "gunicorn",
		spec: gunicornSpec("-k", "gthread", "-w", "2", "--threads", "4")},
	{key: "nginx", label: "nginx, 2 workers, return 200", baseline: "bare", needs: "nginx", spec: nginxSpec},

	{key: "hooks", label: "gocorn gthread -w 2, empty hooks", baseline: "bare", needs: "gocorn", extra: true,
		spec: withEmptyHooks(gocornSpec(gthread("2")...))},
	{key: "access", label: "gocorn gthread -w 2, access log", baseline: "bare", needs: "gocorn", extra: true,
		spec: withAccessLog("access.log", gocornSpec(gthread("2")...))},
	{key: "json", label: "gocorn gthread -w 2, JSON access log", baseline: "bare", needs: "gocorn", extra: true,
		spec: withAccessLog("json.log", gocornSpec(gthread("2", "--access-logformat", "json")...))},
	{key: "statsd", label: "gocorn gthread -w 2, statsd", baseline: "bare", needs: "gocorn", extra: true,
		spec: withStatsd(gocornSpec(gthread("2")...))},
	{key: "bare-tls", label: "bare net/http, 1 process, TLS", tls: true, extra: true, spec: bareTLSSpec},
	{key: "tls", label: "gocorn gthread -w 2, TLS", baseline: "bare-tls", needs: "gocorn", tls: true, extra: true,
		spec: withTLS(gocornSpec(gthread("2")...))},
}

// caseByKey returns the case named key.
func caseByKey(key string) (benchCase, bool) {
	i := slices.IndexFunc(cases, func(c benchCase) bool { return c.key == key })
	if i < 0 {
		return benchCase{}, false
	}
	return cases[i], true
}

// caseKeys lists the standard cases' keys, then the extra ones', for
// -only's help and errors.
func caseKeys() string {
	var std, extra []string
	for _, c := range cases {
		if c.extra {
			extra = append(extra, c.key)
		} else {
			std = append(std, c.key)
		}
	}
	return strings.Join(std, ", ") + "; extra, only when named: " + strings.Join(extra, ", ")
}

// selectCases returns the cases named in only (the standard ones when it
// is empty), with the bare servers they are compared with, in table order.
func selectCases(only string) ([]benchCase, error) {
	want := map[string]bool{}
	for _, k := range splitList(only) {
		c, ok := caseByKey(k)
		if !ok {
			return nil, fmt.Errorf("-only: unknown case %q; the cases are %s", k, caseKeys())
		}
		want[c.key] = true
		if c.baseline != "" {
			want[c.baseline] = true
		}
	}
	var sel []benchCase
	for _, c := range cases {
		if want[c.key] || len(want) == 0 && !c.extra {
			sel = append(sel, c)
		}
	}
	return sel, nil
}

// A mode is how wrk loads every server: keep-alive, or a new connection
// per request.
type mode struct {
	key   string // name for -modes
	label string // name in the tables
	close bool   // wrk sends "Connection: close"
}

// modes are both ways of loading, in the order each server is loaded.
var modes = []mode{
	{key: "keep-alive", label: "keep-alive"},
	{key: "close", label: "Connection: close", close: true},
}

// selectModes returns the modes named in list, comma-separated, in their
// standard order.
func selectModes(list string) ([]mode, error) {
	want := map[string]bool{}
	for _, k := range splitList(list) {
		if !slices.ContainsFunc(modes, func(m mode) bool { return m.key == k }) {
			return nil, fmt.Errorf("-modes: unknown mode %q; the modes are keep-alive and close", k)
		}
		want[k] = true
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("-modes: name at least one mode out of keep-alive and close")
	}
	return slices.DeleteFunc(slices.Clone(modes), func(m mode) bool { return !want[m.key] }), nil
}

// splitList returns the non-empty, trimmed items of a comma-separated flag.
func splitList(s string) []string {
	var items []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			items = append(items, k)
		}
	}
	return items
}
