package watch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// scan is one expansion of the options: the files to hash and the
// directories whose events matter.
type scan struct {
	files []string        // sorted; as given or as found under a pattern's base
	dirs  map[string]bool // canonical (symbolic links resolved where they exist)

	unmatched []string // patterns that matched no file
}

// expand lists the watched files and their directories now. Patterns are
// searched afresh, so files created since the last scan join.
func (o *options) expand() scan {
	s := scan{dirs: map[string]bool{}}
	seen := map[string]bool{}
	add := func(f string, links bool) {
		if !seen[f] {
			seen[f] = true
			s.files = append(s.files, f)
		}
		s.dirs[canonical(filepath.Dir(f))] = true
		if !links {
			return
		}
		// Through symbolic links the content lives elsewhere: watch where
		// it is, and where each link on the way could be swapped.
		if real, err := filepath.EvalSymlinks(f); err == nil {
			s.dirs[filepath.Dir(real)] = true
		}
		linkDirs(f, s.dirs, 0)
	}
	for _, f := range o.files {
		add(f, true)
	}
	for _, p := range o.patterns {
		s.dirs[canonical(p.base)] = true
		linkDirs(p.base, s.dirs, 0)
		n := 0
		search(p, p.base, nil, s.dirs, func(f string, link bool) { n++; add(f, link) })
		if n == 0 {
			s.unmatched = append(s.unmatched, p.text)
		}
	}
	slices.Sort(s.files)
	return s
}

// maxHops bounds symbolic link chains, as the kernel's ELOOP does.
const maxHops = 40

// linkDirs adds the directory holding each symbolic link met while
// resolving the absolute path p: a Capistrano-style "current" link or a
// ConfigMap's ..data is replaced by renaming a new link over it, an event
// in that directory only.
func linkDirs(p string, dirs map[string]bool, hops int) {
	if hops >= maxHops {
		return
	}
	parts := strings.Split(p, string(filepath.Separator))
	q := string(filepath.Separator)
	for i := 1; i < len(parts); i++ {
		q = filepath.Join(q, parts[i])
		fi, err := os.Lstat(q)
		if err != nil {
			return
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			continue
		}
		dirs[canonical(filepath.Dir(q))] = true
		target, err := os.Readlink(q)
		if err != nil {
			return
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(q), target)
		}
		linkDirs(filepath.Join(append([]string{target}, parts[i+1:]...)...), dirs, hops+1)
		return
	}
}

// search walks dir, at rel below p.base, adding the files that match p
// (and whether each is a symbolic link) and every directory it enters.
// Symbolic links to directories are not followed (no cycles), but the
// base itself may be one.
func search(p pattern, dir string, rel []string, dirs map[string]bool, addFile func(string, bool)) {
	if len(rel) > 0 {
		dirs[canonical(dir)] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // gone or unreadable: the base's watch or the next check tells
	}
	for _, e := range entries {
		name := filepath.Join(dir, e.Name())
		segs := append(rel[:len(rel):len(rel)], e.Name())
		link := e.Type()&os.ModeSymlink != 0
		regular := e.Type().IsRegular()
		if link {
			fi, err := os.Stat(name)
			regular = err == nil && fi.Mode().IsRegular()
		}
		if regular && p.match(segs) {
			addFile(name, link)
		}
		if e.IsDir() && p.mayContain(segs) {
			search(p, name, segs, dirs, addFile)
		}
	}
}

// canonical resolves the symbolic links in the existing part of a path,
// so a directory has one name however it was reached: the name fsnotify
// reports events under.
func canonical(p string) string {
	if real, err := filepath.EvalSymlinks(p); err == nil {
		return real
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p
	}
	return filepath.Join(canonical(parent), filepath.Base(p))
}

// watchTarget is the directory to watch for dir: dir itself, or while it
// does not exist its nearest existing ancestor, whose events then tell
// when it appears.
func watchTarget(dir string) string {
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}

// ancestors adds dir and every directory above it to set.
func ancestors(dir string, set map[string]bool) {
	for {
		set[dir] = true
		parent := filepath.Dir(dir)
		if parent == dir {
			return
		}
		dir = parent
	}
}
