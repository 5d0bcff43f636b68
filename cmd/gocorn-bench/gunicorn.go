package main

import "os/exec"

// wsgiHello is the WSGI twin of server.Hello(), which gunicorn serves.
const wsgiHello = `def app(environ, start_response):
    body = b"Hello, World!\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
`

// gunicornSpec is gunicorn serving wsgiHello on a port of its choosing,
// with args.
func gunicornSpec(args ...string) specFunc {
	return func(t tools) serverSpec {
		s := bindingSpec("gunicorn", t.gunicorn, t.dir, args, "app:app")
		s.files = map[string]string{"app.py": wsgiHello}
		return s
	}
}

// findGunicorn returns gunicorn's path, or why the gunicorn cases are
// skipped.
func findGunicorn() (string, error) {
	return lookPath("gunicorn", "gunicorn")
}

// lookPath finds program on PATH or in /usr/sbin, where Debian puts
// nginx and which a user's PATH often lacks; or it says which Debian
// package brings it.
func lookPath(program, debianPackage string) (string, error) {
	for _, name := range []string{program, "/usr/sbin/" + program} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", notInstalledError{program: program, pkg: debianPackage}
}

// A notInstalledError says a program is missing and how to install it.
type notInstalledError struct{ program, pkg string }

func (e notInstalledError) Error() string {
	return e.program + " is not installed (on Debian or Ubuntu: apt-get install " + e.pkg + ")"
}
