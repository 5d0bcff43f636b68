package starcfg

import "slices"

// secControl is gunicorn's section of the control socket settings.
const secControl = "Control"

// init shows the section after Server Mechanics, without settings.go
// knowing of it.
func init() {
	at := slices.Index(sectionOrder, secMechanics) + 1
	sectionOrder = slices.Insert(sectionOrder, at, secControl)
}

// controlSettings are the table entries of the control socket, with
// gunicorn's names and flags.
var controlSettings = []*setting{
	{
		name: "control_socket", flags: []string{"control-socket"}, metavar: "PATH",
		typ: typeOptString, def: "", section: secControl, reloadable: true,
		defDoc: "$XDG_RUNTIME_DIR/gocorn.ctl if that directory exists, else ~/.gocorn/gocorn.ctl",
		help: "The unix socket of the control interface, which gocorn ctl and gunicorn's " +
			"gunicornc speak: show the workers and counters, add, remove or replace workers, " +
			"reload, reopen the logs, shut down. A relative path is taken from chdir, else " +
			"from where gocorn was started; its directory is created (0700) if missing. A " +
			"path that cannot be created, or that another running master already serves, " +
			"is a warning and the master runs without one: give each master on a host its " +
			"own path. A HUP moves the socket when this changes.",
		field: func(c *Config) any { return &c.ControlSocket },
	},
	{
		name: "control_socket_mode", flags: []string{"control-socket-mode"}, metavar: "INT",
		typ: typeInt, def: 0o600, check: checkPermissionBits, section: secControl, reloadable: true,
		defDoc: "0o600",
		help: "The permission bits of the control socket file. Anyone who can write to the " +
			"socket can stop the server, so the default lets only the master's user in; 0o660 " +
			"lets its group in too. Octal as in umask: 0o660 in the file, \"0660\" or \"0o660\" " +
			"as a string or on the command line.",
		field: func(c *Config) any { return &c.ControlSocketMode },
	},
	{
		name: "control_socket_disable", flags: []string{"no-control-socket"},
		typ: typeBool, def: false, section: secControl, reloadable: true,
		help:  "Run without a control socket. --no-control-socket on the command line.",
		field: func(c *Config) any { return &c.ControlSocketDisable },
	},
}
