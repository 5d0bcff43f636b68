package hookrun

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.starlark.net/starlark"
)

// This file holds the request hooks' objects: req, resp, their headers
// and post_request's environ. They wrap the Go values and compute an
// attribute only when a hook reads it, so a hook pays for what it reads.

// Response is what post_request's resp object shows.
type Response struct {
	Status   int           // status code sent
	Header   http.Header   // headers sent
	Bytes    int64         // body bytes sent
	Duration time.Duration // from the request's arrival to the end of the response
}

// requestValue is the req object.
type requestValue struct {
	r      *http.Request
	view   *RequestView
	hdr    headersValue // set up on first access; a value is used by one thread only
	hdrSet bool
}

var requestAttrs = []string{
	"headers", "method", "path", "proto", "query", "remote_addr", "remote_port", "scheme", "uri",
}

func (v *requestValue) String() string {
	return fmt.Sprintf("<req %s %s>", v.r.Method, requestURI(v.r))
}
func (v *requestValue) Type() string          { return "req" }
func (v *requestValue) Freeze()               {}
func (v *requestValue) Truth() starlark.Bool  { return starlark.True }
func (v *requestValue) Hash() (uint32, error) { return 0, errors.New("unhashable type: req") }
func (v *requestValue) AttrNames() []string   { return requestAttrs }

func (v *requestValue) Attr(name string) (starlark.Value, error) {
	r := v.r
	switch name {
	case "method":
		return starlark.String(r.Method), nil
	case "path":
		return starlark.String(r.URL.Path), nil
	case "query":
		return starlark.String(r.URL.RawQuery), nil
	case "uri":
		return starlark.String(requestURI(r)), nil
	case "proto":
		return starlark.String(r.Proto), nil
	case "headers":
		if !v.hdrSet {
			v.hdr, v.hdrSet = headersValue{h: r.Header, host: r.Host}, true
		}
		return &v.hdr, nil
	case "remote_addr":
		host, _ := splitRemote(r.RemoteAddr)
		return starlark.String(host), nil
	case "remote_port":
		_, port := splitRemote(r.RemoteAddr)
		return starlark.MakeInt(port), nil
	case "scheme":
		return starlark.String(v.view.scheme(r)), nil
	}
	return nil, nil
}

// requestURI is the request target as the client sent it.
func requestURI(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// splitRemote splits a RemoteAddr into host and port; a unix socket's
// peer has neither ("", 0).
func splitRemote(addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0
	}
	n, _ := strconv.Atoi(port)
	return host, n
}

// RequestView is what the request hooks know of a request beyond the
// *http.Request itself: the worker's server knows it (its proxies decide
// the scheme), and this package must not depend on the server.
type RequestView struct {
	// Scheme is "http" or "https" as the handler sees it: https over
	// TLS, or as a trusted proxy's secure_scheme_headers say. Nil: https
	// exactly when the connection is TLS.
	Scheme func(*http.Request) string

	// Environ is the request's environ, as gunicorn's WSGI environ
	// names it: post_request's third argument. Nil: an empty environ.
	Environ func(*http.Request) map[string]string
}

func (v *RequestView) scheme(r *http.Request) string {
	switch {
	case v.Scheme != nil:
		return v.Scheme(r)
	case r.TLS != nil:
		return "https"
	}
	return "http"
}

// environ is post_request's environ argument, as a frozen dict, made only
// for a post_request that takes it.
func (v *RequestView) environ(r *http.Request) *starlark.Dict {
	var env map[string]string
	if v.Environ != nil {
		env = v.Environ(r)
	}
	d := starlark.NewDict(len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		_ = d.SetKey(starlark.String(k), starlark.String(env[k]))
	}
	d.Freeze()
	return d
}

// respValue is post_request's resp object.
type respValue struct {
	resp *Response
	hdr  *headersValue
}

var respAttrs = []string{"bytes_sent", "duration", "headers", "status"}

func (v *respValue) String() string        { return fmt.Sprintf("<resp %d>", v.resp.Status) }
func (v *respValue) Type() string          { return "resp" }
func (v *respValue) Freeze()               {}
func (v *respValue) Truth() starlark.Bool  { return starlark.True }
func (v *respValue) Hash() (uint32, error) { return 0, errors.New("unhashable type: resp") }
func (v *respValue) AttrNames() []string   { return respAttrs }

func (v *respValue) Attr(name string) (starlark.Value, error) {
	switch name {
	case "status":
		return starlark.MakeInt(v.resp.Status), nil
	case "headers":
		if v.hdr == nil {
			v.hdr = &headersValue{h: v.resp.Header}
		}
		return v.hdr, nil
	case "bytes_sent":
		return starlark.MakeInt64(v.resp.Bytes), nil
	case "duration":
		return starlark.Float(v.resp.Duration.Seconds()), nil
	}
	return nil, nil
}

// headersValue is req.headers and resp.headers: a read-only mapping from
// header name to value that reads the http.Header itself. Lookups ignore
// case, as HTTP does ("user-agent" finds "User-Agent"); iteration gives
// canonical names in sorted order; a header sent several times reads as
// its values joined with ", ". It has the read methods of a dict (get,
// keys, values, items) and works with `in`, len, for and dict().
type headersValue struct {
	h    http.Header
	host string   // a request's Host, which net/http keeps out of Header
	keys []string // sorted names, made on first use
}

var (
	headersAttrs   = []string{"get", "items", "keys", "values"}
	headersMethods = map[string]*starlark.Builtin{
		"get":    starlark.NewBuiltin("get", headersGet),
		"items":  starlark.NewBuiltin("items", headersList(func(k string, v starlark.Value) starlark.Value { return starlark.Tuple{starlark.String(k), v} })),
		"keys":   starlark.NewBuiltin("keys", headersList(func(k string, _ starlark.Value) starlark.Value { return starlark.String(k) })),
		"values": starlark.NewBuiltin("values", headersList(func(_ string, v starlark.Value) starlark.Value { return v })),
	}
)

var (
	_ starlark.IterableMapping = (*headersValue)(nil)
	_ starlark.Sequence        = (*headersValue)(nil)
	_ starlark.HasAttrs        = (*headersValue)(nil)
)

func (v *headersValue) Type() string          { return "headers" }
func (v *headersValue) Freeze()               {}
func (v *headersValue) Truth() starlark.Bool  { return v.Len() > 0 }
func (v *headersValue) Hash() (uint32, error) { return 0, errors.New("unhashable type: headers") }
func (v *headersValue) AttrNames() []string   { return headersAttrs }
func (v *headersValue) Len() int              { return len(v.names()) }

func (v *headersValue) Attr(name string) (starlark.Value, error) {
	if m, ok := headersMethods[name]; ok {
		return m.BindReceiver(v), nil
	}
	return nil, nil
}

// String shows the headers as a dict literal.
func (v *headersValue) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range v.names() {
		if i > 0 {
			b.WriteString(", ")
		}
		val, _ := v.lookup(k)
		b.WriteString(starlark.String(k).String() + ": " + starlark.String(val).String())
	}
	b.WriteByte('}')
	return b.String()
}

// Get implements h[name] and `name in h`.
func (v *headersValue) Get(k starlark.Value) (starlark.Value, bool, error) {
	name, ok := k.(starlark.String)
	if !ok {
		return nil, false, nil
	}
	val, ok := v.lookup(string(name))
	if !ok {
		return nil, false, nil
	}
	return starlark.String(val), true, nil
}

// lookup finds a header by name, in any case.
func (v *headersValue) lookup(name string) (string, bool) {
	key := textproto.CanonicalMIMEHeaderKey(name)
	if key == "Host" && v.host != "" {
		return v.host, true
	}
	vals, ok := v.h[key]
	if !ok {
		// A handler may have stored a name that is not canonical.
		for k, vs := range v.h {
			if strings.EqualFold(k, name) {
				vals, ok = vs, true
				break
			}
		}
	}
	switch {
	case !ok || len(vals) == 0:
		return "", false
	case len(vals) == 1:
		return vals[0], true
	}
	return strings.Join(vals, ", "), true
}

// names are the header names, sorted.
func (v *headersValue) names() []string {
	if v.keys != nil {
		return v.keys
	}
	keys := make([]string, 0, len(v.h)+1)
	for k, vs := range v.h {
		if len(vs) > 0 {
			keys = append(keys, textproto.CanonicalMIMEHeaderKey(k))
		}
	}
	if v.host != "" {
		keys = append(keys, "Host")
	}
	slices.Sort(keys)
	keys = slices.Compact(keys) // a name stored in two spellings, or Host twice
	v.keys = keys
	return keys
}

func (v *headersValue) Items() []starlark.Tuple {
	names := v.names()
	items := make([]starlark.Tuple, len(names))
	for i, k := range names {
		val, _ := v.lookup(k)
		items[i] = starlark.Tuple{starlark.String(k), starlark.String(val)}
	}
	return items
}

func (v *headersValue) Iterate() starlark.Iterator { return &namesIterator{names: v.names()} }

// namesIterator iterates over header names.
type namesIterator struct{ names []string }

func (it *namesIterator) Next(p *starlark.Value) bool {
	if len(it.names) == 0 {
		return false
	}
	*p = starlark.String(it.names[0])
	it.names = it.names[1:]
	return true
}

func (it *namesIterator) Done() {}

// headersGet implements headers.get(name, default=None).
func headersGet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var dflt starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &name, &dflt); err != nil {
		return nil, err
	}
	if val, ok := b.Receiver().(*headersValue).lookup(name); ok {
		return starlark.String(val), nil
	}
	return dflt, nil
}

// headersList implements keys(), values() and items(): a new list of one
// element per header.
func headersList(elem func(name string, value starlark.Value) starlark.Value) builtinFunc {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
			return nil, err
		}
		v := b.Receiver().(*headersValue)
		names := v.names()
		elems := make([]starlark.Value, len(names))
		for i, k := range names {
			val, _ := v.lookup(k)
			elems[i] = elem(k, starlark.String(val))
		}
		return starlark.NewList(elems), nil
	}
}
