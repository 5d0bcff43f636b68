package logfile

import (
	"sync"
	"time"
)

// bufferSize is how much a Buffered holds before it writes at once.
const bufferSize = 64 << 10

// Buffered collects lines for a File and writes them together, at most
// every interval after the first line that waits, or as soon as
// bufferSize bytes wait: one write(2) for many access-log lines instead of
// one each, which at tens of thousands of requests a second is a quarter
// of a worker's time. The price is that lines written in the last
// interval are lost if the process is killed (SIGKILL, the OOM killer);
// a normal exit, Flush, Reopen and Close write them. An interval of 0
// writes every line at once, as gunicorn does. It is safe for
// concurrent use, and lines are written in the order Write saw them.
type Buffered struct {
	f        *File
	interval time.Duration

	mu      sync.Mutex
	buf     []byte
	spare   []byte
	pending bool // a flush is scheduled
	closed  bool

	flushing sync.Mutex // held while a batch is written: batches go out in order
}

// NewBuffered buffers f's lines for at most interval.
func NewBuffered(f *File, interval time.Duration) *Buffered {
	return &Buffered{f: f, interval: interval}
}

// Write takes one whole line (or several). It never fails: a failing file
// is reported by the File when the lines are written.
func (b *Buffered) Write(p []byte) (int, error) {
	if b.interval <= 0 {
		return b.f.Write(p)
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, ErrClosed
	}
	b.buf = append(b.buf, p...)
	full := len(b.buf) >= bufferSize
	if !full && !b.pending {
		b.pending = true
		time.AfterFunc(b.interval, func() { b.Flush() })
	}
	b.mu.Unlock()
	if full {
		b.Flush()
	}
	return len(p), nil
}

// Flush writes the lines that wait.
func (b *Buffered) Flush() error {
	b.flushing.Lock()
	defer b.flushing.Unlock()
	b.mu.Lock()
	batch := b.buf
	b.buf, b.spare, b.pending = b.spare[:0], nil, false
	b.mu.Unlock()
	if len(batch) == 0 {
		b.giveBack(batch)
		return nil
	}
	_, err := b.f.Write(batch)
	b.giveBack(batch)
	return err
}

// giveBack keeps batch's memory for the next one.
func (b *Buffered) giveBack(batch []byte) {
	b.mu.Lock()
	if b.spare == nil && cap(batch) <= 4*bufferSize {
		b.spare = batch[:0]
	}
	b.mu.Unlock()
}

// Reopen writes what waits to the old file, then reopens (SIGUSR1).
func (b *Buffered) Reopen() error {
	b.Flush()
	return b.f.Reopen()
}

// Close writes what waits and closes the file.
func (b *Buffered) Close() error {
	b.Flush()
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return b.f.Close()
}
