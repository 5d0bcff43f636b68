package proc

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync/atomic"

	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
)

// Program is a service that embeds gocorn, as Run runs it. The service
// gets gocorn's whole command line, config file and process model under
// its own name:
//
//	func main() {
//		os.Exit(proc.Run(proc.Program{
//			Name:        "myservice",
//			Description: "Serves the catalogue API.",
//			Apps:        server.Apps{"api": newAPI},
//			Settings: []starcfg.ProgramSetting{{Name: "api_prefix", Flag: "api-prefix",
//				Default: "/v1", Help: "Where the API's routes start."}},
//			Hooks: proc.Hooks{PostWorkerInit: warmCache},
//		}))
//	}
//
// -h shows "Usage: myservice [APP] [flags]", the description and the
// program's flags; --version prints "myservice (version v1.4.0, commit
// 1a2b3c4d5e6f, go1.26.8; gocorn v0.3.0)"; ps shows "myservice: master
// [api]" and "myservice: worker [api]"; the error log starts with
// "Starting myservice v1.4.0, ...". The app reads its settings with
// starcfg.Get(proc.Config(), name).
//
// What stays gocorn's: the config file's name (gocorn.conf.star), the
// environment (GOCORN_CMD_ARGS, GUNICORN_CMD_ARGS), the control socket's
// default path (gocorn.ctl, where `gocorn ctl` and `myservice ctl` both
// look) and the metrics' names: tools and dashboards written for gocorn
// keep working on every program that embeds it.
type Program struct {
	// Name is the program's name in -h, --version, process titles, the
	// start log line and error messages; "" is "gocorn".
	Name string
	// Version is the program's own version. "" takes it from the build
	// info: the main module's version (as `go install ...@VERSION`
	// records it), else "devel". The commit and the Go release always
	// come from the build info.
	Version string
	// Description says what the program does, first in -h.
	Description string
	// Apps are the handlers the program serves, by the name APP and the
	// app setting pick.
	Apps server.Apps
	// Settings are the program's own settings, beside gocorn's: see
	// starcfg.ProgramSetting. -h lists them under the program's name.
	Settings []starcfg.ProgramSetting
	// Hooks are server hooks in Go, run before the config file's hooks
	// of the same name.
	Hooks Hooks
}

// Hooks are server hooks written in Go: see hookrun.Hooks.
type Hooks = hookrun.Hooks

// stockName is the stock binary's name, and any Program's without one.
const stockName = "gocorn"

// theProgram is the Program this process runs: Run sets it before anything
// else reads it.
var theProgram = Program{Name: stockName}

// Run runs p and returns the process's exit code: as the master (started
// by a user), as a worker (started by the master), or as a subcommand
// (PROGRAM ctl, PROGRAM help). A bad Program (a setting that clashes
// with gocorn's) is reported on stderr with exit code 1.
func Run(p Program) int {
	if p.Name == "" {
		p.Name = stockName
	}
	theProgram = p
	if len(p.Settings) > 0 {
		if err := starcfg.AddProgramSettings(p.Name, p.Settings); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
			return exitConfig
		}
	}
	return runProgram(p.Apps)
}

// currentConfig is what Config returns.
var currentConfig atomic.Pointer[starcfg.Config]

// Config is the configuration this process runs: in a worker, the one
// its master resolved and sent (set before the app is built); in the
// master, the one resolved at start or by the last HUP. It is nil before
// then. An app reads its program's settings from it with starcfg.Get.
func Config() *starcfg.Config { return currentConfig.Load() }

// embeds reports whether p is a program embedding gocorn rather than
// the stock gocorn binary.
func (p Program) embeds() bool { return p.Name != stockName }

// title is a process title: "myservice: master [api]".
func (p Program) title(role, name string) string {
	return fmt.Sprintf("%s: %s [%s]", p.Name, role, name)
}

// programVersion is what --version and the start line say after the
// name: gocorn's version for the stock binary; for a program embedding
// gocorn, the program's version, the build's commit and Go release, then
// gocorn's module version ("v1.4.0, commit 1a2b3c4d5e6f, go1.26.8;
// gocorn v0.3.0").
func programVersion(p Program, info *debug.BuildInfo, stamped, goVersion string) string {
	gocorn := versionOf(info, stamped, goVersion)
	if !p.embeds() {
		return gocorn.String()
	}
	own := gocorn // the build's commit and Go release are the program's
	own.Module = p.Version
	if own.Module == "" {
		own.Module = mainVersion(info)
	}
	return own.String() + "; gocorn " + gocorn.Module
}

// mainVersion is the main module's version in info, "devel" when it has
// none (a build from a checkout, or no build info).
func mainVersion(info *debug.BuildInfo) string {
	if info == nil || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "devel"
	}
	return info.Main.Version
}
