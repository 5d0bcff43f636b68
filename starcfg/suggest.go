package starcfg

import "strings"

// suggest returns the candidate closest to s, or "" when none is close
// enough to be a likely typo. Case and underscores are ignored, so
// "keep_alive" finds "keepalive" and "LogLevel" finds "loglevel"; up to
// half of the letters may differ, and an abbreviation of three letters or
// more counts as two edits at most ("warn" finds "warning"). Ties go to the earlier
// candidate.
func suggest(s string, candidates []string) string {
	key := spellKey(s)
	best, bestDist := "", len(key)/2+1
	if bestDist < 2 {
		bestDist = 2
	}
	for _, c := range candidates {
		if c == s {
			continue
		}
		if d := spellDistance(key, spellKey(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// spellDistance is the edit distance between two spell keys, except that
// an abbreviation (a prefix of three letters or more) is at most two
// edits away.
func spellDistance(a, b string) int {
	d := levenshtein(a, b)
	if len(a) >= 3 && len(b) >= 3 && (strings.HasPrefix(a, b) || strings.HasPrefix(b, a)) {
		d = min(d, 2)
	}
	return d
}

// spellKey is s as suggest compares it: lower case, without underscores
// or dashes.
func spellKey(s string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
}

// levenshtein is the edit distance between a and b (insertions, deletions
// and substitutions of bytes), with one row of memory.
func levenshtein(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		diag := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			up := row[j]
			row[j] = min(row[j]+1, row[j-1]+1, diag+cost)
			diag = up
		}
	}
	return row[len(b)]
}
