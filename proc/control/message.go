package control

import (
	"encoding/json"
	"errors"
	"strings"
)

// Request is one command from a client. Args, if any, are appended to the
// command's words, each as Python's str() would print it.
type Request struct {
	ID      json.RawMessage   `json:"id,omitempty"` // echoed as sent; 0 when absent
	Command string            `json:"command"`
	Args    []json.RawMessage `json:"args"`
}

// Response is the answer to one Request: Data when Status is "ok", Error
// when it is "error".
type Response struct {
	ID     json.RawMessage `json:"id"`
	Status string          `json:"status"`
	Data   json.RawMessage `json:"data,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// The statuses of a Response.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// respond builds the Response to a request with id: data, or err as
// gunicorn words it.
func respond(id json.RawMessage, data any, err error) Response {
	if len(id) == 0 {
		id = json.RawMessage("0")
	}
	if err != nil {
		return Response{ID: id, Status: StatusError, Error: errorText(err)}
	}
	raw, err := marshal(data)
	if err != nil {
		return Response{ID: id, Status: StatusError, Error: errorText(err)}
	}
	return Response{ID: id, Status: StatusOK, Data: raw}
}

// errorText is an error as gunicorn reports it: "Empty command" alone, a
// bad command or argument as "Invalid argument: ...", anything else as
// "Command failed: ...".
func errorText(err error) string {
	var arg *ArgError
	switch {
	case errors.Is(err, errEmpty):
		return err.Error()
	case errors.As(err, &arg):
		return "Invalid argument: " + arg.Msg
	}
	return "Command failed: " + err.Error()
}

// argWords turns a request's args into words as gunicorn's str() does:
// strings as they are, true, false and null as Python spells them, and
// numbers as written.
func argWords(args []json.RawMessage) []string {
	words := make([]string, len(args))
	for i, a := range args {
		var s string
		switch text := strings.TrimSpace(string(a)); {
		case text == "null": // before Unmarshal, which takes null as an empty string
			words[i] = "None"
		case json.Unmarshal(a, &s) == nil:
			words[i] = s
		case text == "true":
			words[i] = "True"
		case text == "false":
			words[i] = "False"
		default:
			words[i] = text
		}
	}
	return words
}
