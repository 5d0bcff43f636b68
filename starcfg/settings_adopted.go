package starcfg

import (
	"strings"

	"go.starlark.net/starlark"
)

// adoptedSettings are gunicorn settings that came over with their
// gunicorn names and flags once gocorn had a meaning for them; each is
// shown in its gunicorn section.
var adoptedSettings = []*setting{
	{
		name: "sendfile", flags: []string{"sendfile"}, negatable: true,
		typ: typeBool, def: true, envDefault: "SENDFILE", envValue: sendfileEnv, noneKeepsDefault: true,
		defDoc:  "True, or $SENDFILE when set (y, yes, true or 1 is True, anything else False)",
		section: secMechanics, reloadable: true,
		help: "Let the kernel copy file responses straight to the socket (sendfile, splice), " +
			"as Go's net/http does when a handler serves an *os.File. --no-sendfile copies " +
			"them through the worker instead, for file systems where sendfile misbehaves " +
			"(some network and virtual mounts). TLS responses are always copied. Unlike " +
			"gunicorn, sendfile = True in the config file keeps it on; sendfile = None, " +
			"gunicorn's default, leaves the default.",
		field: func(c *Config) any { return &c.Sendfile },
	},
	{
		name: "reuse_port", flags: []string{"reuse-port"},
		typ: typeBool, def: false, section: secMechanics,
		help: "Set SO_REUSEPORT on the TCP sockets the master binds, so that another server " +
			"(a second gocorn during a blue-green switch) can bind the same port and the " +
			"kernel shares the connections between them. The master still binds once and " +
			"the workers share its sockets: unlike gunicorn, workers do not bind their own, " +
			"since that was measured (issue 11) to bring no gain.",
		field: func(c *Config) any { return &c.ReusePort },
	},
	{
		name: "enable_stdio_inheritance", flags: []string{"enable-stdio-inheritance"}, short: 'R',
		typ: typeBool, def: false, section: secLogging,
		help: "With daemon, keep the standard output and error the daemon was started with, " +
			"unless they are terminals, instead of /dev/null: what a handler prints still " +
			"reaches the file or pipe they point to.",
		field: func(c *Config) any { return &c.EnableStdioInheritance },
	},
	{
		name: "default_proc_name",
		typ:  typeOptString, def: "", section: secNaming, reloadable: true,
		help:  "The name in process titles when neither proc_name nor the app gives one.",
		field: func(c *Config) any { return &c.DefaultProcName },
	},
}

// sendfileEnv reads $SENDFILE as gunicorn does: y, yes, true and 1 (any
// case) turn sendfile on, anything else off.
func sendfileEnv(text string) starlark.Value {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "y", "yes", "true", "1":
		return starlark.True
	}
	return starlark.False
}
