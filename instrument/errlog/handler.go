package errlog

import (
	"context"
	"encoding"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// timeLayout is strftime's "%Y-%m-%d %H:%M:%S %z".
const timeLayout = "2006-01-02 15:04:05 -0700"

// handler is the slog.Handler behind NewHandler. Handlers derived through
// WithAttrs and WithGroup share the mutex, so records from all of them are
// written one at a time even to a writer that is not safe for concurrent use.
type handler struct {
	w     io.Writer
	mu    *sync.Mutex
	level slog.Leveler
	pid   int
	now   func() time.Time // tests fix the clock; nil means the record's time
	lw    LevelWriter      // NewBodyHandler's destination; nil for the line's

	attrs  []byte // attributes from WithAttrs, already formatted
	prefix string // open groups, each followed by "."
}

// NewHandler returns a slog.Handler that writes gunicorn's error log line
// to w. pid is the number shown in the line; it is a parameter so a worker
// can show its own pid while the master shows its own. A nil level means
// info. If w returns an error, Handle returns it once and does not retry.
func NewHandler(w io.Writer, level slog.Leveler, pid int) slog.Handler {
	return newHandler(w, level, pid, nil)
}

// LevelWriter takes one record at a time with its level, for a
// destination that files records by level, such as syslog. msg is only
// valid during the call.
type LevelWriter interface {
	WriteLevel(level slog.Level, msg []byte) error
}

// NewBodyHandler returns a slog.Handler that formats records as NewHandler
// does but without the "[time] [pid] [LEVEL] " prefix and the final
// newline, which a syslog message carries in its own fields, and hands
// each, with its level, to w. A nil level means info.
func NewBodyHandler(w LevelWriter, level slog.Leveler) slog.Handler {
	h := newHandler(nil, level, 0, nil)
	h.lw = w
	return h
}

func newHandler(w io.Writer, level slog.Leveler, pid int, now func() time.Time) *handler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &handler{w: w, mu: new(sync.Mutex), level: level, pid: pid, now: now}
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = h.attrs[:len(h.attrs):len(h.attrs)] // never share the tail
	for _, a := range as {
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() {
		if cap(buf) <= 64<<10 { // do not keep a goroutine dump's buffer
			*bp = buf
			bufPool.Put(bp)
		}
	}()
	if h.lw != nil {
		buf = h.appendBody(buf, r)
		return h.lw.WriteLevel(r.Level, buf)
	}

	t := r.Time
	if h.now != nil {
		t = h.now()
	} else if t.IsZero() {
		t = time.Now()
	}
	buf = append(buf, '[')
	buf = t.AppendFormat(buf, timeLayout)
	buf = append(buf, "] ["...)
	buf = strconv.AppendInt(buf, int64(h.pid), 10)
	buf = append(buf, "] ["...)
	buf = append(buf, levelName(r.Level)...)
	buf = append(buf, "] "...)
	buf = h.appendBody(buf, r)
	buf = append(buf, '\n')

	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(buf)
	return err
}

// appendBody appends the record after the line's prefix: the message,
// with the attributes at the end of its first line so that the prefixed
// line stays complete for grep, and its other lines unchanged.
func (h *handler) appendBody(buf []byte, r slog.Record) []byte {
	msg := r.Message
	for len(msg) > 0 && msg[len(msg)-1] == '\n' {
		msg = msg[:len(msg)-1]
	}
	first, rest := msg, ""
	for i := 0; i < len(msg); i++ {
		if msg[i] == '\n' {
			first, rest = msg[:i], msg[i:]
			break
		}
	}
	buf = append(buf, first...)
	buf = append(buf, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		buf = appendAttr(buf, h.prefix, a)
		return true
	})
	return append(buf, rest...)
}

// appendAttr appends " key=value" for a, or one such pair per member of a
// group, following slog's rules: empty attributes and empty groups are
// dropped, a group with an empty key is inlined.
func appendAttr(buf []byte, prefix string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return buf
	}
	if a.Value.Kind() == slog.KindGroup {
		members := a.Value.Group()
		if len(members) == 0 {
			return buf
		}
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, m := range members {
			buf = appendAttr(buf, prefix, m)
		}
		return buf
	}
	buf = append(buf, ' ')
	if prefix != "" && (needsQuoting(prefix) || needsQuoting(a.Key)) {
		buf = strconv.AppendQuote(buf, prefix+a.Key)
	} else {
		buf = append(buf, prefix...)
		buf = appendString(buf, a.Key)
	}
	buf = append(buf, '=')
	return appendValue(buf, a.Value)
}

func appendValue(buf []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(buf, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(buf, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(buf, v.Uint64(), 10)
	case slog.KindFloat64:
		return strconv.AppendFloat(buf, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(buf, v.Bool())
	case slog.KindDuration:
		return append(buf, v.Duration().String()...)
	case slog.KindTime:
		return v.Time().AppendFormat(buf, "2006-01-02T15:04:05.000Z07:00")
	}
	// KindAny (KindGroup and KindLogValuer were handled by the caller).
	switch x := v.Any().(type) {
	case nil:
		return append(buf, "<nil>"...)
	case error:
		if isNilPointer(x) {
			return append(buf, "<nil>"...)
		}
		return appendString(buf, x.Error())
	case encoding.TextMarshaler:
		if isNilPointer(x) {
			return append(buf, "<nil>"...)
		}
		b, err := x.MarshalText()
		if err != nil {
			return appendString(buf, "!ERROR:"+err.Error())
		}
		return appendString(buf, string(b))
	case []byte:
		return appendString(buf, string(x))
	}
	return appendString(buf, v.String())
}

// isNilPointer reports whether an interface holds a nil pointer, whose
// methods would panic.
func isNilPointer(x any) bool {
	v := reflect.ValueOf(x)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// appendString appends s, quoted when it is empty or could be misread:
// spaces, quotes, "=", control or non-printing characters, invalid UTF-8.
func appendString(buf []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(buf, s)
	}
	return append(buf, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b <= ' ' || b == '"' || b == '=' || b == '\\' || b == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
