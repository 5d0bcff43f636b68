package migrate

import "testing"

// TestOutputAlwaysResolves feeds odd Python and checks the invariant the
// translation rests on: whatever comes in, what comes out parses and
// resolves as gocorn.conf.star.
func TestOutputAlwaysResolves(t *testing.T) {
	inputs := []string{
		"",
		"workers = 2",
		"workers = 2\r\nbind = ':80'\r\n",
		"from os import (environ,\n    getenv)\nbind = getenv('B', ':80')\n",
		"import os.path\nchdir = os.path.dirname(__file__)\n",
		"if __name__ == '__main__':\n    print('run me with gunicorn')\n",
		"def _w():\n\treturn 3\nworkers = _w()\n",
		"def helper(n):\n    def inner():\n        return n\n    return inner()\nworkers = helper(2)\n",
		"post_fork = lambda server, worker: server.log.info('hi %s', worker.pid)\n",
		"@decorate\ndef on_starting(server):\n    pass\n",
		"a = b = 3\nworkers = a; threads = b\n",
		"workers = {n: n for n in range(3)}[2]\n",
		"x = (1,\n  2,\n  3)\nworkers = len(x)\n",
		"workers = 2 ** 3\n",
		"s = 'abc\nworkers = 1\n",
		"workers = (1 +\n",
		"class A:\n    pass\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\nelse:\n    pass\nfinally:\n    pass\n",
		"def on_exit(server):\n    global counter\n    counter += 1\n",
		"bind = 'a' \\\n    ':80'\n",
		"def worker_int(worker):\n    import sys\n    sys.exit(1)\n",
		"with open('x') as f:\n    workers = int(f.read())\nprint(workers)\n",
		"raw_env = [f'{k}={v}' for k, v in {'A': '1'}.items()]\n",
	}
	for _, in := range inputs {
		res, err := Config("t.py", []byte(in))
		if err != nil {
			t.Logf("%q: %v (refused as a whole)", in, err)
			continue
		}
		if line, msg := check(string(res.Star)); line != 0 {
			t.Errorf("%q: the output does not resolve: line %d: %s\n%s", in, line, msg, res.Star)
		}
	}
}
