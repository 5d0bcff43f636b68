package ctl

import (
	"os"

	"golang.org/x/sys/unix"
)

// The escape sequences top draws with: any terminal since the VT100
// (xterm's alternate screen aside) understands them.
const (
	enterScreen = "\x1b[?1049h\x1b[?25l" // alternate screen, cursor hidden
	leaveScreen = "\x1b[?25h\x1b[?1049l" // cursor shown, back to the screen as it was
	homeClear   = "\x1b[H\x1b[2J"        // cursor home, screen cleared
)

// terminal is a terminal put in cbreak mode for top: keys arrive one at a
// time, unechoed, while Ctrl-C still sends SIGINT.
type terminal struct {
	fd    int
	saved *unix.Termios
}

// cbreak puts the terminal f in cbreak mode; it fails when f is not a
// terminal.
func cbreak(f *os.File) (*terminal, error) {
	fd := int(f.Fd())
	saved, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	mode := *saved
	mode.Lflag &^= unix.ICANON | unix.ECHO
	mode.Cc[unix.VMIN], mode.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &mode); err != nil {
		return nil, err
	}
	return &terminal{fd: fd, saved: saved}, nil
}

// restore puts the terminal back as it was.
func (t *terminal) restore() { unix.IoctlSetTermios(t.fd, unix.TCSETS, t.saved) }

// size is the terminal's width and height, or 0, 0 when f is not one.
func size(f *os.File) (width, height int) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0, 0
	}
	return int(ws.Col), int(ws.Row)
}
