package server

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gocorn/gocorn/server/proxy"
)

// EchoReply is the JSON document the echo app answers with. It shows what
// the handler saw, so tests and operators can check parsing, proxies and
// bodies end to end.
type EchoReply struct {
	Method     string              `json:"method"`
	URI        string              `json:"uri"`         // the raw request-target
	ScriptName string              `json:"script_name"` // the mount prefix (see ScriptName), "" at the root
	Path       string              `json:"path"`        // below the mount prefix
	Query      string              `json:"query"`
	Proto      string              `json:"proto"`
	Headers    map[string][]string `json:"headers"`  // canonical name -> values, as received (Trailer: the announced names, sorted)
	Trailers   map[string][]string `json:"trailers"` // same shape, after a chunked body
	BodyBase64 string              `json:"body_base64"`
	RemoteAddr string              `json:"remote_addr"`
	Scheme     string              `json:"scheme"`
}

// Echo answers every request with 200 and an EchoReply describing it.
func Echo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		announced := trailerNames(r) // before the body: afterwards r.Trailer also holds unannounced ones
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(describe(r, announced, body))
	})
}

// trailerNames is the Trailer header as net/http parsed it (it takes the
// header out of r.Header): the canonical names, sorted, joined by ", ".
func trailerNames(r *http.Request) string {
	names := make([]string, 0, len(r.Trailer))
	for name := range r.Trailer {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func describe(r *http.Request, announced string, body []byte) EchoReply {
	headers := make(map[string][]string, len(r.Header)+2)
	for name, values := range r.Header {
		headers[name] = values
	}
	// net/http moves these out of r.Header; put them back as received.
	if r.Host != "" {
		headers["Host"] = []string{r.Host}
	}
	if len(r.TransferEncoding) > 0 {
		headers["Transfer-Encoding"] = r.TransferEncoding
	}
	if announced != "" {
		headers["Trailer"] = []string{announced}
	}
	trailers := make(map[string][]string, len(r.Trailer))
	for name, values := range r.Trailer {
		if values != nil {
			trailers[name] = values
		}
	}
	scheme := proxy.Scheme(r) // https over TLS, or as a trusted proxy says
	return EchoReply{
		Method:     r.Method,
		URI:        r.RequestURI,
		ScriptName: ScriptName(r),
		Path:       r.URL.Path,
		Query:      r.URL.RawQuery,
		Proto:      r.Proto,
		Headers:    headers,
		Trailers:   trailers,
		BodyBase64: base64.StdEncoding.EncodeToString(body),
		RemoteAddr: r.RemoteAddr,
		Scheme:     scheme,
	}
}
