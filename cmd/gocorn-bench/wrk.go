package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// wrk runs the wrk load generator with fixed threads and connections.
type wrk struct {
	path        string
	threads     int
	connections int
}

// A wrkResult is what this tool reads from one wrk run's output.
type wrkResult struct {
	Requests  int64   // completed requests
	ReqPerSec float64 // "Requests/sec:"
	P50, P99  time.Duration

	// Socket errors, as wrk counts them.
	Connect, Read, Write, Timeout int64
	// Non2xx counts responses outside 2xx and 3xx
	// ("Non-2xx or 3xx responses:").
	Non2xx int64
}

// Errors is the number of failed requests of every kind.
func (r wrkResult) Errors() int64 {
	return r.Connect + r.Read + r.Write + r.Timeout + r.Non2xx
}

// describeErrors says what the errors were, for a note under the table.
func (r wrkResult) describeErrors() string {
	var parts []string
	for _, e := range []struct {
		n    int64
		what string
	}{
		{r.Connect, "connect errors"},
		{r.Read, "read errors"},
		{r.Write, "write errors"},
		{r.Timeout, "timeouts"},
		{r.Non2xx, "responses outside 2xx and 3xx"},
	} {
		if e.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", e.n, e.what))
		}
	}
	return strings.Join(parts, ", ")
}

// run loads url for d (whole seconds), sending "Connection: close" when
// close is set, and returns the parsed result. It is bounded by d plus a
// margin, whatever wrk does.
func (w wrk) run(ctx context.Context, url string, d time.Duration, close bool) (wrkResult, error) {
	args := []string{
		"-t", strconv.Itoa(w.threads),
		"-c", strconv.Itoa(w.connections),
		"-d", fmt.Sprintf("%ds", int(d/time.Second)),
		"--latency",
	}
	if close {
		args = append(args, "-H", "Connection: close")
	}
	args = append(args, url)

	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.path, args...)
	cmd.WaitDelay = time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() == context.DeadlineExceeded {
		return wrkResult{}, fmt.Errorf("wrk did not finish within %s of its %s run, so it was killed", 30*time.Second, d)
	}
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s failed (%v): %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()+string(out)))
	}
	r, err := parseWrk(string(out))
	if err != nil {
		return wrkResult{}, fmt.Errorf("%v; wrk printed:\n%s", err, indent(string(out)))
	}
	return r, nil
}

// parseWrk reads the output of wrk --latency (wrk 4.x). It needs
// Requests/sec and the 50% and 99% lines of the latency distribution; the
// request count and error lines are read when present (wrk leaves the
// error lines out when there were none).
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	var haveRate, haveP50, haveP99 bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		var err error
		switch {
		case len(f) == 0:
		case f[0] == "Requests/sec:" && len(f) == 2:
			r.ReqPerSec, err = strconv.ParseFloat(f[1], 64)
			haveRate = true
		case f[0] == "50%" && len(f) == 2:
			r.P50, err = time.ParseDuration(f[1])
			haveP50 = true
		case f[0] == "99%" && len(f) == 2:
			r.P99, err = time.ParseDuration(f[1])
			haveP99 = true
		case len(f) > 2 && f[1] == "requests" && f[2] == "in":
			// "600000 requests in 10.00s, 80.00MB read"
			r.Requests, err = strconv.ParseInt(f[0], 10, 64)
		case strings.HasPrefix(line, "Socket errors:"):
			// "Socket errors: connect 0, read 0, write 0, timeout 0"
			err = parseSocketErrors(strings.TrimPrefix(line, "Socket errors:"), &r)
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			r.Non2xx, err = strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "Non-2xx or 3xx responses:")), 10, 64)
		}
		if err != nil {
			return wrkResult{}, fmt.Errorf("can't read wrk's line %q: %v", line, err)
		}
	}
	switch {
	case !haveRate:
		return wrkResult{}, errors.New("wrk's output has no Requests/sec line")
	case !haveP50 || !haveP99:
		return wrkResult{}, errors.New("wrk's output has no 50% and 99% latency lines (was --latency passed?)")
	}
	return r, nil
}

func parseSocketErrors(s string, r *wrkResult) error {
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return fmt.Errorf("unexpected %q", part)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return err
		}
		switch f[0] {
		case "connect":
			r.Connect = n
		case "read":
			r.Read = n
		case "write":
			r.Write = n
		case "timeout":
			r.Timeout = n
		default:
			return fmt.Errorf("unknown kind of socket error %q", f[0])
		}
	}
	return nil
}
