// Package migrate is gocorn migrate: it translates a gunicorn config
// file (gunicorn.conf.py) into gocorn.conf.star, and a gunicorn command
// line into gocorn's, so that a deployment moves over with its settings,
// computed values and hooks.
//
// gocorn does not run Python, and migrate does not need python3. It
// leans on Starlark being close to Python's syntax instead:
//
//  1. A small scanner (scan.go) splits the Python source into logical
//     lines of tokens, keeping every token's whitespace so the user's
//     text, comments and layout come out as they went in; indentation
//     makes them a tree of statements (tree.go).
//  2. Each statement is classified and its tokens rewritten (migrate.go,
//     rewrite.go): imports are remembered as aliases and dropped;
//     os.environ.get, os.getenv and os.environ[...] become env(),
//     multiprocessing.cpu_count() becomes cpu_count(), f-strings become
//     .format calls, adjacent literals are joined with +; log calls stay
//     as written, since gocorn's log methods take Python logging's
//     (msg, *args) and format them with Python's rules. What gocorn does
//     with each gunicorn setting and hook is starcfg's to say
//     (LookupSetting, LookupFlag, HookRefused), not migrate's: a setting
//     gocorn has is kept, renamed to gocorn's spelling; one it ignores
//     is commented out with the reason, as a note; one it refuses, and a
//     hook it never calls (ssl_context), is commented out and left for
//     the user. try, class, with and the like are commented out with why.
//  3. The result is parsed and resolved as Starlark with gocorn's options
//     and builtins (settle in migrate.go); each statement the parser or
//     resolver stops at, such as a use of sys or threading, is commented
//     out in turn, until the file resolves. What Starlark itself accepts
//     is therefore the judge of what was translated, not a list of
//     patterns. Last, helper globals get private names (_port), where
//     the resolver binds them as globals (privatize): gocorn takes any
//     other top-level name for a setting.
//
// Every statement left out is marked "# gocorn migrate: line N: why"
// above its original text and commented out; all but the harmless ones
// (an ignored setting, a dropped import) are counted, and gocorn migrate
// exits 1 when any was left and when the output fails --check-config.
package migrate
