package h1

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/nethttp-baseline.txt from a run against bare net/http")

// A case is one file of testdata/requests: raw bytes a client sends, the
// options the server runs with, and what must come of it.
//
//	# Comment lines say which rule the case checks, and where it comes from.
//	set: header_map=refuse            options (see applySet); repeatable
//	want: 400 Invalid HTTP Header: 'X' a status, and optionally the error logged
//	                                  (want: close [message] for no page;
//	                                  want: accept when every request is served)
//	--- request
//	GET / HTTP/1.1\r\n                the bytes sent: file line ends are ignored,
//	Host: example.com\r\n             escapes \r \n \t \0 \\ \xHH and \{N*text}
//	\r\n                              (text repeated N times) stand for bytes
//	--- seen                          one block per request the handler serves,
//	request: GET / HTTP/1.1           in order, as the echo handler renders it
//	host: example.com                 (\{N*text} repeats text here too); a
//	                                  response net/http makes itself, without
//	                                  the handler, is "status N"
//
// The client sends the bytes, shuts its write side and reads until the
// server closes: the responses to the seen requests, then the page of the
// refused one (for a status), then nothing.
type testCase struct {
	name    string
	sets    []string
	want    string // "accept", "close" or a status
	status  int
	message string // the error logged (and shown, escaped, in the page); "" checks none
	request []byte
	seen    []string
}

func loadCases(t testing.TB) []testCase {
	t.Helper()
	files, err := filepath.Glob("testdata/requests/*.http")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases in testdata/requests: %v", err)
	}
	var cases []testCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tc, err := parseCase(strings.TrimSuffix(filepath.Base(f), ".http"), string(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases = append(cases, tc)
	}
	return cases
}

func parseCase(name, text string) (testCase, error) {
	tc := testCase{name: name}
	section := "meta"
	var req strings.Builder
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if rest, ok := strings.CutPrefix(line, "--- "); ok {
			section = rest
			if section == "seen" {
				tc.seen = append(tc.seen, "")
			}
			continue
		}
		switch section {
		case "meta":
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			key, val, ok := strings.Cut(line, ": ")
			if !ok {
				return tc, fmt.Errorf("line %d: want key: value", n+1)
			}
			switch key {
			case "set":
				tc.sets = append(tc.sets, val)
			case "want":
				word, msg, _ := strings.Cut(val, " ")
				tc.want, tc.message = word, msg
				if word != "accept" && word != "close" {
					st, err := strconv.Atoi(word)
					if err != nil {
						return tc, fmt.Errorf("line %d: want accept, close or a status", n+1)
					}
					tc.status = st
				} else if word == "accept" && msg != "" {
					return tc, fmt.Errorf("line %d: an accepted request logs nothing", n+1)
				}
			default:
				return tc, fmt.Errorf("line %d: unknown key %q", n+1, key)
			}
		case "request":
			req.WriteString(line)
		case "seen":
			if line != "" {
				tc.seen[len(tc.seen)-1] += expandRepeats(line) + "\n"
			}
		default:
			return tc, fmt.Errorf("line %d: unknown section %q", n+1, section)
		}
	}
	if tc.want == "" {
		return tc, errors.New("no want line")
	}
	b, err := unescape(req.String())
	if err != nil {
		return tc, err
	}
	tc.request = b
	if len(b) == 0 {
		return tc, errors.New("no request")
	}
	if tc.want == "accept" && len(tc.seen) == 0 {
		return tc, errors.New("an accepted case needs its seen blocks")
	}
	if _, err := caseOptions(tc); err != nil {
		return tc, err
	}
	return tc, nil
}

// unescape turns the request text of a case into bytes.
func unescape(s string) ([]byte, error) {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i+1 >= len(s) {
			return nil, errors.New("a lone backslash ends the request")
		}
		i++
		switch s[i] {
		case 'r':
			b = append(b, '\r')
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case '0':
			b = append(b, 0)
		case '\\':
			b = append(b, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, errors.New(`\x needs two hex digits`)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, err
			}
			b = append(b, byte(v))
			i += 2
		case '{':
			star := strings.IndexByte(s[i:], '*')
			count, err := strconv.Atoi(s[i+1 : i+star])
			if star < 0 || err != nil {
				return nil, errors.New(`\{ wants \{N*text}`)
			}
			depth, end := 1, -1
			for j := i + star + 1; j < len(s); j++ {
				switch {
				case s[j] == '\\':
					j++
				case s[j] == '{':
					depth++
				case s[j] == '}':
					if depth--; depth == 0 {
						end = j
					}
				}
				if end >= 0 {
					break
				}
			}
			if end < 0 {
				return nil, errors.New(`\{ without its }`)
			}
			unit, err := unescape(s[i+star+1 : end])
			if err != nil {
				return nil, err
			}
			b = append(b, bytes.Repeat(unit, count)...)
			i = end
		default:
			return nil, fmt.Errorf(`unknown escape \%c`, s[i])
		}
	}
	return b, nil
}

// expandRepeats expands \{N*text} in a seen line (text taken as it is).
func expandRepeats(s string) string {
	for {
		i := strings.Index(s, `\{`)
		if i < 0 {
			return s
		}
		star := strings.IndexByte(s[i:], '*')
		end := strings.IndexByte(s[i:], '}')
		n, err := strconv.Atoi(s[i+2 : i+star])
		if star < 0 || end < star || err != nil {
			return s
		}
		s = s[:i] + strings.Repeat(s[i+star+1:i+end], n) + s[i+end+1:]
	}
}

// escape renders bytes the way the seen blocks write them.
func escape(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		switch {
		case c == '\\':
			s.WriteString(`\\`)
		case c == '\r':
			s.WriteString(`\r`)
		case c == '\n':
			s.WriteString(`\n`)
		case c == '\t':
			s.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&s, `\x%02x`, c)
		default:
			s.WriteByte(c)
		}
	}
	return s.String()
}

// caseOptions builds the options a case's set lines ask for.
func caseOptions(tc testCase) (*Options, error) {
	o := &Options{LimitRequestLine: 4094, LimitRequestFields: 100, LimitRequestFieldSize: 8190,
		ForwarderHeaders: []string{"SCRIPT_NAME", "PATH_INFO"}}
	for _, s := range tc.sets {
		key, val, _ := strings.Cut(s, "=")
		n, _ := strconv.Atoi(val)
		switch key {
		case "limit_request_line":
			o.LimitRequestLine = n
		case "limit_request_fields":
			o.LimitRequestFields = n
		case "limit_request_field_size":
			o.LimitRequestFieldSize = n
		case "permit_obsolete_folding":
			o.PermitObsoleteFolding = true
		case "strip_header_spaces":
			o.StripHeaderSpaces = true
		case "permit_unconventional_http_method":
			o.PermitUnconventionalHTTPMethod = true
		case "permit_unconventional_http_version":
			o.PermitUnconventionalHTTPVersion = true
		case "casefold_http_method":
			o.CasefoldHTTPMethod = true
		case "header_map":
			o.HeaderMap = HeaderMap(val)
		case "forwarder_headers":
			o.ForwarderHeaders = strings.Split(strings.ToUpper(val), ",")
		case "trusted":
			o.Trusted = func(net.Addr) bool { return true }
		case "h2c":
			o.PassHTTP2Preface = true
		default:
			return nil, fmt.Errorf("unknown set %q", s)
		}
	}
	return o, nil
}

// echo answers every request with what its handler saw, rendered as the
// seen blocks of the cases write it, and marks its responses as its own.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	var s strings.Builder
	fmt.Fprintf(&s, "request: %s %s %s\n", escape([]byte(r.Method)), escape([]byte(r.RequestURI)), r.Proto)
	if r.Host != "" {
		fmt.Fprintf(&s, "host: %s\n", escape([]byte(r.Host)))
	}
	if len(r.TransferEncoding) > 0 {
		fmt.Fprintf(&s, "te: %s\n", strings.Join(r.TransferEncoding, ","))
	}
	writeFields(&s, "header", r.Header)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > 0 {
		fmt.Fprintf(&s, "body: %s\n", escape(body))
	}
	writeFields(&s, "trailer", r.Trailer)
	w.Header().Set("X-Echo", strconv.Quote(s.String())) // for HEAD, whose response has no body
	io.WriteString(w, s.String())
})

func writeFields(s *strings.Builder, key string, h http.Header) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range h[name] {
			fmt.Fprintf(s, "%s: %s: %s\n", key, escape([]byte(name)), escape([]byte(v)))
		}
	}
}

// outcome is what a client got back for a case.
type outcome struct {
	responses []string // echo renderings, or "status N" for responses not from echo
	rest      []byte   // bytes after the last response that parsed
	logs      []string
	err       error
}

// logLines collects the log func's lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, msg)
	l.mu.Unlock()
}

func (l *logLines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// runCase sends the case to a fresh server on loopback: with h1 in front
// (strict) or bare net/http.
func runCase(tc testCase, strict bool) outcome {
	o, _ := caseOptions(tc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return outcome{err: err}
	}
	var logs logLines
	srv := &http.Server{
		Handler:        echo,
		MaxHeaderBytes: MaxHeadBytes(o),
		ErrorLog:       log.New(io.Discard, "", 0),

		DisableGeneralOptionsHandler: true, // as a worker's: the handler answers OPTIONS *
	}
	var l net.Listener = ln
	if strict {
		l = &Listener{Listener: ln, Options: o, Log: logs.add}
		srv.ConnState = func(c net.Conn, st http.ConnState) {
			if st == http.StateHijacked {
				As(c).Hijacked()
			}
		}
	}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	defer func() { srv.Close(); <-done }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return outcome{err: err}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		conn.Write(tc.request)
		conn.(*net.TCPConn).CloseWrite()
	}()
	raw, err := io.ReadAll(conn)
	if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		return outcome{err: err}
	}
	out := outcome{logs: logs.get()}
	br := bufio.NewReader(bytes.NewReader(raw))
	methods := requestMethods(tc)
	for i := 0; ; i++ {
		if _, err := br.Peek(1); err != nil {
			break
		}
		method := "GET"
		if i < len(methods) {
			method = methods[i]
		}
		snapshot := slices.Clone(raw[len(raw)-br.Buffered():])
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			out.rest = snapshot
			break
		}
		if _, err := io.ReadAll(resp.Body); err != nil {
			out.rest = snapshot
			break
		}
		if resp.StatusCode < 200 {
			i--
			continue
		}
		if seen, err := strconv.Unquote(resp.Header.Get("X-Echo")); err == nil {
			out.responses = append(out.responses, seen)
		} else {
			out.responses = append(out.responses, "status "+strconv.Itoa(resp.StatusCode)+"\n")
			if resp.StatusCode >= 400 && !strict {
				continue
			}
			if resp.StatusCode >= 400 {
				out.rest = snapshot // the page: checked byte by byte
				break
			}
		}
	}
	return out
}

func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

// requestMethods are the methods of the requests a case's seen blocks
// expect, so that HEAD responses are read without a body.
func requestMethods(tc testCase) []string {
	var m []string
	for _, s := range tc.seen {
		f := strings.Fields(strings.TrimPrefix(s, "request: "))
		if len(f) > 0 {
			m = append(m, f[0])
		} else {
			m = append(m, "GET")
		}
	}
	return m
}

// check compares a strict outcome with the case; "" means it passes.
func (tc testCase) check(out outcome) string {
	if out.err != nil {
		return out.err.Error()
	}
	served := out.responses
	if tc.status != 0 && len(served) > 0 && served[len(served)-1] == "status "+strconv.Itoa(tc.status)+"\n" {
		served = served[:len(served)-1]
	}
	if !slices.Equal(served, tc.seen) {
		return fmt.Sprintf("the handler saw:\n%s\nwant:\n%s", strings.Join(served, "---\n"), strings.Join(tc.seen, "---\n"))
	}
	logPrefix := "Invalid request from ip=127.0.0.1: "
	switch {
	case tc.status != 0:
		if msg := checkPage(out.rest, tc.status, tc.message); msg != "" {
			return msg
		}
		if len(out.logs) != 1 || !strings.HasPrefix(out.logs[0], logPrefix) ||
			tc.message != "" && out.logs[0] != logPrefix+tc.message {
			return fmt.Sprintf("logged %q, want %q", out.logs, logPrefix+tc.message)
		}
	case len(out.rest) > 0:
		return fmt.Sprintf("unexpected bytes after the responses: %q", out.rest)
	case tc.want == "close" && tc.message != "":
		if !slices.Equal(out.logs, []string{logPrefix + tc.message}) {
			return fmt.Sprintf("logged %q, want %q", out.logs, logPrefix+tc.message)
		}
	case len(out.logs) > 0:
		return fmt.Sprintf("logged %q, want nothing", out.logs)
	}
	return ""
}

// checkPage checks that rest is exactly gunicorn's error page for status.
func checkPage(rest []byte, status int, message string) string {
	head, body, ok := bytes.Cut(rest, []byte("\r\n\r\n"))
	why := reason(status)
	wantHead := fmt.Sprintf("HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: %d",
		status, why, len(body))
	if !ok || string(head) != wantHead {
		return fmt.Sprintf("page head %q, want %q", head, wantHead)
	}
	pre := "<html>\n  <head>\n    <title>" + why + "</title>\n  </head>\n  <body>\n    <h1><p>" + why + "</p></h1>\n    "
	post := "\n  </body>\n</html>\n"
	if !bytes.HasPrefix(body, []byte(pre)) || !bytes.HasSuffix(body, []byte(post)) {
		return fmt.Sprintf("page body %q is not gunicorn's", body)
	}
	if message != "" && !bytes.Contains(body, latin1(htmlEscaper.Replace(message))) {
		return fmt.Sprintf("page body %q lacks %q", body, htmlEscaper.Replace(message))
	}
	return ""
}

// TestCases runs every case of testdata/requests through h1 and a real
// net/http server on loopback.
func TestCases(t *testing.T) {
	cases := loadCases(t)
	var mu sync.Mutex
	pass := 0
	t.Run("case", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				if msg := tc.check(runCase(tc, true)); msg != "" {
					t.Error(msg)
					return
				}
				mu.Lock()
				pass++
				mu.Unlock()
			})
		}
	})
	t.Logf("%d cases, %d pass", len(cases), pass)
	fmt.Printf("%d cases, %d pass\n", len(cases), pass)
}
