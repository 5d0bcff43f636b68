package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/server/tlstest"
)

// nginxBin is where Debian's nginx package puts nginx; .ci/run installs it.
const nginxBin = "/usr/sbin/nginx"

// TestNginx runs gocorn behind a real nginx, configured with the server
// block of examples/nginx.conf, over a unix socket: the client's address
// and scheme reach the handler and the access log, large bodies and
// streamed responses pass, and reloads under load lose nothing.
func TestNginx(t *testing.T) {
	nginxAvailable(t)
	dir := t.TempDir()
	bin := buildNginxApp(t, dir)
	sock := filepath.Join(dir, "gocorn.sock")
	access := filepath.Join(dir, "gocorn-access.log")
	conf := filepath.Join(dir, "gocorn.conf.star")
	writeConf := func(threads int) {
		os.WriteFile(conf, fmt.Appendf(nil, "bind = [%q]\nworkers = 2\nworker_class = \"gthread\"\nthreads = %d\naccesslog = %q\n",
			"unix:"+sock, threads, access), 0o644)
	}
	writeConf(4)
	in := proctest.Launch(t, proctest.Setup{Bin: bin, Dir: dir}, "nginxtest")
	in.WaitListening()
	in.WaitWorkers(2)

	ng := startNginx(t, dir, sock)
	plain, secure := "http://"+ng.addr, "https://"+ng.tlsAddr
	client := &http.Client{Timeout: proctest.WaitFor, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}

	t.Run("client and scheme", func(t *testing.T) {
		for _, tt := range []struct{ url, scheme string }{{plain, "http"}, {secure, "https"}} {
			reply := echoVia(t, client, "GET", tt.url+"/first?x=1", nil, nil)
			if reply.RemoteAddr != "127.0.0.1:0" || reply.Scheme != tt.scheme || reply.Path != "/first" || reply.Query != "x=1" {
				t.Errorf("%s: remote_addr %q, scheme %q, path %q, query %q; want 127.0.0.1:0 over %s",
					tt.url, reply.RemoteAddr, reply.Scheme, reply.Path, reply.Query, tt.scheme)
			}
			h := reply.Headers
			if !slices.Equal(h["X-Forwarded-For"], []string{"127.0.0.1"}) || !slices.Equal(h["X-Forwarded-Proto"], []string{tt.scheme}) ||
				!slices.Equal(h["Host"], []string{"127.0.0.1"}) {
				t.Errorf("%s: forwarded headers %v", tt.url, h)
			}
		}
		waitAccessLine(t, access, `(?m)^127\.0\.0\.1 - - \[[^]]+\] "GET /first\?x=1 HTTP/1\.[01]" 200 `)
	})

	t.Run("client cannot claim https", func(t *testing.T) {
		// nginx replaces X-Forwarded-Proto...
		reply := echoVia(t, client, "GET", plain+"/spoof", nil, http.Header{"X-Forwarded-Proto": {"https"}})
		if reply.Scheme != "http" {
			t.Errorf("X-Forwarded-Proto from the client: scheme %q", reply.Scheme)
		}
		// ...and a header it passes through that disagrees is refused.
		resp, err := client.Do(mustRequest(t, "GET", plain+"/spoof", nil, http.Header{"X-Forwarded-Ssl": {"on"}}))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("X-Forwarded-Ssl: on from the client over http: %d, want 400", resp.StatusCode)
		}
	})

	t.Run("5 MiB body", func(t *testing.T) {
		body := make([]byte, 5<<20)
		rand.Read(body)
		reply := echoVia(t, client, "POST", plain+"/big", body, nil)
		if got, _ := base64.StdEncoding.DecodeString(reply.BodyBase64); !bytes.Equal(got, body) {
			t.Errorf("the body came back as %d bytes, want the %d sent", len(got), len(body))
		}
	})

	t.Run("streamed response", func(t *testing.T) {
		release := filepath.Join(dir, "release")
		resp, err := client.Get(plain + "/events/stream?release=" + release)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || !slices.Equal(resp.TransferEncoding, []string{"chunked"}) {
			t.Fatalf("status %d, transfer encoding %v", resp.StatusCode, resp.TransferEncoding)
		}
		// The handler sends its second part only once the first has
		// arrived here, through gocorn's flush and nginx.
		br := bufio.NewReader(resp.Body)
		first, err := br.ReadString('\n')
		if err != nil || first != "first\n" {
			t.Fatalf("first part: %q, %v", first, err)
		}
		os.WriteFile(release, nil, 0o644)
		rest, err := io.ReadAll(br)
		if err != nil || string(rest) != "second\n" {
			t.Fatalf("second part: %q, %v", rest, err)
		}
	})

	t.Run("HUP under load", func(t *testing.T) {
		load := startStatusLoad(plain+"/load", 8)
		for i := range 10 {
			time.Sleep(300 * time.Millisecond)
			if i%2 == 0 {
				writeConf(4 + i%4) // a change half of the time
			}
			in.Signal(syscall.SIGHUP)
			in.WaitLog(fmt.Sprintf(`Reload complete: generation %d,`, i+2))
		}
		time.Sleep(300 * time.Millisecond)
		codes, errs := load.stop()
		t.Logf("through nginx across 10 HUPs: statuses %v, client errors %d", codes, len(errs))
		if codes[502] > 0 || len(codes) != 1 || codes[200] < 100 || len(errs) > 0 {
			t.Errorf("statuses %v (want only 200, at least 100), errors %v", codes, errs)
		}
		if log, _ := os.ReadFile(filepath.Join(dir, "nginx-error.log")); bytes.Contains(log, []byte("[error]")) {
			t.Errorf("nginx logged errors:\n%s", log)
		}
	})
}

// nginxAppSource is a gocorn binary with the stock apps and one more for
// this test, built from the test's own source through an overlay, so the
// repository needs no test-only main package. /events/ streams: it writes
// and flushes "first", waits until the file ?release= exists (at most ten
// seconds), then writes "second". Every other path is echo.
const nginxAppSource = `package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gocorn/gocorn/proc"
	"github.com/gocorn/gocorn/server"
)

func main() {
	apps := server.Stock()
	echo := server.Echo()
	apps["nginxtest"] = server.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/events/") {
			echo.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "first\n")
		http.NewResponseController(w).Flush()
		release := r.URL.Query().Get("release")
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(release); err == nil {
				break
			}
		}
		io.WriteString(w, "second\n")
	}))
	os.Exit(proc.Main(apps))
}
`

func buildNginxApp(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte(nginxAppSource), 0o644)
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(here, "nginxtest_overlay", "main.go"): src}})
	overlayFile := filepath.Join(dir, "overlay.json")
	os.WriteFile(overlayFile, overlay, 0o644)
	bin := filepath.Join(dir, "gocorn-nginxtest")
	out, err := exec.Command("go", "build", "-overlay", overlayFile, "-o", bin, "./nginxtest_overlay").CombinedOutput()
	if err != nil {
		t.Fatalf("building the test app: %v\n%s", err, out)
	}
	return bin
}

// nginx is a running nginx.
type nginx struct {
	addr, tlsAddr string // 127.0.0.1:port, plain and TLS
}

// startNginx runs nginx in the foreground with everything under dir: the
// server block of examples/nginx.conf, listening on two loopback ports
// (one with TLS), proxying to gocorn's socket.
func startNginx(t *testing.T, dir, sock string) *nginx {
	t.Helper()
	ng := &nginx{addr: freePort(t), tlsAddr: freePort(t)}
	cert, key := writeCert(t)
	public := filepath.Join(dir, "public")
	os.MkdirAll(public, 0o755)
	os.WriteFile(filepath.Join(public, "500.html"), []byte("nginx error page\n"), 0o644)

	example, err := os.ReadFile("../../examples/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`upstream gocorn \{[^}]*server unix:/run/gocorn/app\.sock fail_timeout=0;`).Match(example) {
		t.Fatal("examples/nginx.conf: no `upstream gocorn` with `server unix:/run/gocorn/app.sock fail_timeout=0;`")
	}
	block := serverBlock(t, string(example))
	for _, anchor := range []string{"listen 80;", "/srv/app/public"} {
		if !strings.Contains(block, anchor) {
			t.Fatalf("examples/nginx.conf: the proxying server block has no %q:\n%s", anchor, block)
		}
	}
	block = strings.Replace(block, "listen 80;", fmt.Sprintf("listen %s;\n        listen %s ssl;\n        ssl_certificate %s;\n        ssl_certificate_key %s;",
		ng.addr, ng.tlsAddr, cert, key), 1)
	block = strings.ReplaceAll(block, "/srv/app/public", public)

	conf := fmt.Sprintf(`master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log info;
events { worker_connections 1024; }
http {
    access_log %[1]s/nginx-access.log;
%[4]s
    upstream gocorn { server unix:%[2]s fail_timeout=0; }
%[3]s
}
`, dir, sock, block, nginxTempPaths(dir))
	runNginx(t, dir, conf, nil, func() bool {
		c, err := net.Dial("tcp", ng.addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return ng
}

// nginxAvailable skips the test when nginx is not installed, unless CI
// is set: .ci/run installs it, and under CI the test must run.
func nginxAvailable(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(nginxBin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (%v) and CI is set: .ci/run must install nginx", nginxBin, err)
		}
		t.Skipf("%s is not installed (apt-get install nginx); CI installs it", nginxBin)
	}
}

// nginxTempPaths are the http-level lines that keep nginx's temporary
// files under dir (the package's defaults are root's directories), with
// the directories made.
func nginxTempPaths(dir string) string {
	var b strings.Builder
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		path := filepath.Join(dir, "tmp", d)
		os.MkdirAll(path, 0o755)
		fmt.Fprintf(&b, "    %s_temp_path %s;\n", d, path)
	}
	return b.String()
}

// runNginx runs nginx in the foreground with conf, written to dir, and
// dir as its prefix; command, if any, comes before nginx's own command
// line (ip netns exec NAME). It waits until ready reports true, and stops
// nginx when the test ends, showing its logs if the test failed.
func runNginx(t *testing.T, dir, conf string, command []string, ready func() bool) {
	t.Helper()
	confFile := filepath.Join(dir, "nginx.conf")
	os.WriteFile(confFile, []byte(conf), 0o644)
	argv := append(slices.Clone(command), nginxBin, "-c", confFile, "-p", dir+"/", "-g", "daemon off;")
	cmd := exec.Command(argv[0], argv[1:]...)
	var out proctest.Output
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(proctest.WaitFor):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "nginx-error.log"))
			t.Logf("nginx output:\n%s\nnginx error log:\n%s\nconfig:\n%s", &out, log, conf)
		}
	})
	if !proctest.Poll(func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		return ready()
	}) {
		t.Fatalf("nginx did not get ready: %s", &out)
	}
	select {
	case <-exited:
		t.Fatalf("nginx exited: %s\nconfig:\n%s", &out, conf)
	default:
	}
}

// serverBlock is the `server { ... }` block of an nginx config that
// proxies (has proxy_pass), comments removed.
func serverBlock(t *testing.T, conf string) string {
	t.Helper()
	var lines []string
	for line := range strings.SplitSeq(conf, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if strings.TrimSpace(line) != "" {
			lines = append(lines, strings.TrimRight(line, " \t"))
		}
	}
	text := strings.Join(lines, "\n")
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s*\{`).FindAllStringIndex(text, -1) {
		depth := 0
		for i := m[1] - 1; i < len(text); i++ {
			switch text[i] {
			case '{':
				depth++
			case '}':
				depth--
			}
			if depth == 0 {
				if block := text[m[0] : i+1]; strings.Contains(block, "proxy_pass") {
					return block
				}
				break
			}
		}
	}
	t.Fatal("examples/nginx.conf has no server block with proxy_pass")
	return ""
}

// freePort is a loopback address with a port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// writeCert issues a certificate for 127.0.0.1 (package tlstest) and
// returns its files.
func writeCert(t *testing.T) (cert, key string) {
	t.Helper()
	p := tlstest.New(t)
	return p.Cert, p.Key
}

func mustRequest(t *testing.T, method, url string, body []byte, header http.Header) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return req
}

// echoVia sends a request and decodes echo's reply, failing on anything
// but a 200.
func echoVia(t *testing.T, client *http.Client, method, url string, body []byte, header http.Header) server.EchoReply {
	t.Helper()
	resp, err := client.Do(mustRequest(t, method, url, body, header))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %v %.300q", method, url, resp.StatusCode, err, data)
	}
	var reply server.EchoReply
	if err := json.Unmarshal(data, &reply); err != nil {
		t.Fatalf("%s %s: not echo's reply: %.300q", method, url, data)
	}
	return reply
}

// statusLoad is clients POSTing to a URL until stopped, counting the
// response statuses; a 200 must echo the request's body.
type statusLoad struct {
	done chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	codes map[int]int
	errs  []string
}

func startStatusLoad(url string, clients int) *statusLoad {
	l := &statusLoad{done: make(chan struct{}), codes: map[int]int{}}
	deadline := time.Now().Add(time.Minute) // bounded, whatever happens to stop
	for c := range clients {
		l.wg.Go(func() {
			client := &http.Client{Timeout: proctest.WaitFor}
			defer client.CloseIdleConnections()
			for i := 0; time.Now().Before(deadline); i++ {
				select {
				case <-l.done:
					return
				default:
				}
				l.once(client, url, fmt.Sprintf("client %d request %d", c, i))
			}
		})
	}
	return l
}

func (l *statusLoad) once(client *http.Client, url, body string) {
	resp, err := client.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		l.record(0, err.Error())
		return
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		l.record(resp.StatusCode, "reading the response: "+err.Error())
	case resp.StatusCode == 200:
		var reply server.EchoReply
		json.Unmarshal(data, &reply)
		if got, _ := base64.StdEncoding.DecodeString(reply.BodyBase64); string(got) != body {
			l.record(200, fmt.Sprintf("%q came back as %q", body, got))
			return
		}
		l.record(200, "")
	default:
		l.record(resp.StatusCode, "")
	}
}

func (l *statusLoad) record(code int, problem string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if code != 0 {
		l.codes[code]++
	}
	if problem != "" && len(l.errs) < 10 {
		l.errs = append(l.errs, problem)
	}
}

func (l *statusLoad) stop() (map[int]int, []string) {
	close(l.done)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.codes, l.errs
}
