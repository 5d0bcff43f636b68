package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// clientTimeout bounds each request of a Client, as gunicornc's 30 s.
const clientTimeout = 30 * time.Second

// Client is one connection to a control socket: gocorn ctl's, and what
// tests and tools in Go use to speak to a master.
type Client struct {
	path   string
	conn   net.Conn
	lastID int
}

// ServerError is a command the master refused or could not run: the
// reply's error text ("Invalid argument: ...", "Command failed: ...").
type ServerError struct{ Text string }

func (e *ServerError) Error() string { return e.Text }

// Dial connects to the control socket at path.
func Dial(path string) (*Client, error) {
	c := &Client{path: path}
	return c, c.connect()
}

func (c *Client) connect() error {
	conn, err := net.DialTimeout("unix", c.path, clientTimeout)
	if err != nil {
		return fmt.Errorf("Failed to connect to %s: %v", c.path, plainCause(err))
	}
	c.conn = conn
	return nil
}

// plainCause is the system's own words for a failed dial ("no such file
// or directory"), without Go's "dial unix PATH:" prefix.
func plainCause(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// Path is the socket the client speaks to.
func (c *Client) Path() string { return c.path }

// Reconnect drops the connection and opens a new one, after a
// communication error.
func (c *Client) Reconnect() error {
	c.Close()
	return c.connect()
}

// Close closes the connection.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

// Send sends command and returns the reply's data. A refusal is a
// *ServerError; anything else means the connection is lost, and the
// client needs Reconnect.
func (c *Client) Send(command string) (json.RawMessage, error) {
	if c.conn == nil {
		if err := c.connect(); err != nil {
			return nil, err
		}
	}
	c.lastID++
	resp, err := c.roundTrip(Request{ID: json.RawMessage(fmt.Sprint(c.lastID)), Command: command, Args: []json.RawMessage{}})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("Communication error: %w", err)
	}
	if resp.Status == StatusError {
		return nil, &ServerError{Text: resp.Error}
	}
	return resp.Data, nil
}

func (c *Client) roundTrip(req Request) (Response, error) {
	var resp Response
	c.conn.SetDeadline(time.Now().Add(clientTimeout))
	if err := WriteFrame(c.conn, req); err != nil {
		return resp, err
	}
	payload, err := ReadFrame(c.conn)
	if err != nil {
		return resp, err
	}
	err = json.Unmarshal(payload, &resp)
	return resp, err
}
