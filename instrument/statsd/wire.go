package statsd

import (
	"strconv"
	"strings"
	"time"
)

// This file writes gunicorn's statsd lines byte for byte (gunicorn's
// instrument/statsd.py), into a caller's buffer so that a request's
// metrics cost no allocation:
//
//	P<name>:<v>|g          gauge
//	P<name>:<v>|c|@1.0     counter: gunicorn always writes the rate
//	P<name>:<v>|ms         timer, milliseconds as Python prints a float
//	P<name>:<v>|h          histogram
//
// each followed by "|#<dogstatsd_tags>" when tags are set. P is the
// prefix (see Prefix).

// Prefix is statsd_prefix as it starts every metric name: followed by
// exactly one ".", whatever dots it ends with; empty stays empty. gunicorn
// leaves a one-character prefix without its dot ("agunicorn.requests"),
// a slip of its regular expression that gocorn does not copy.
func Prefix(p string) string {
	p = strings.TrimRight(p, ".")
	if p == "" {
		return ""
	}
	return p + "."
}

// TagSuffix is what dogstatsd_tags adds to every line: "|#" and the tags
// verbatim, as gunicorn appends them; nothing when they are empty.
func TagSuffix(tags string) string {
	if tags == "" {
		return ""
	}
	return "|#" + tags
}

// format is how one client writes lines: its prefix and tag suffix.
type format struct {
	prefix string // from Prefix
	tags   string // from TagSuffix
}

// name starts a line: the prefix, the name and the colon.
func (f format) name(b []byte, name string) []byte {
	b = append(b, f.prefix...)
	b = append(b, name...)
	return append(b, ':')
}

// end ends a line with its type and the tags.
func (f format) end(b []byte, typ string) []byte {
	b = append(b, typ...)
	return append(b, f.tags...)
}

// count appends a counter line.
func (f format) count(b []byte, name string, n int64) []byte {
	return f.end(strconv.AppendInt(f.name(b, name), n, 10), "|c|@1.0")
}

// gauge appends a gauge line.
func (f format) gauge(b []byte, name string, v int64) []byte {
	return f.end(strconv.AppendInt(f.name(b, name), v, 10), "|g")
}

// histogram appends a histogram line.
func (f format) histogram(b []byte, name string, v int64) []byte {
	return f.end(strconv.AppendInt(f.name(b, name), v, 10), "|h")
}

// timer appends a timer line for d in milliseconds, at gunicorn's
// precision (microseconds) and in Python's float notation: 12.345, 7.0.
func (f format) timer(b []byte, name string, d time.Duration) []byte {
	return f.end(appendMillis(f.name(b, name), d), "|ms")
}

// status appends the counter line of one response with status code
// code: gunicorn.request.status.<code>, +1.
func (f format) status(b []byte, code int) []byte {
	b = append(b, f.prefix...)
	b = append(b, "gunicorn.request.status."...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ":1"...)
	return f.end(b, "|c|@1.0")
}

// appendMillis writes d as gunicorn computes a duration in milliseconds
// (seconds*1000 + microseconds/1000) and Python prints it: shortest
// digits, and ".0" for a whole number.
func appendMillis(b []byte, d time.Duration) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, float64(max(d, 0).Microseconds())/1000, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".0"...)
}
