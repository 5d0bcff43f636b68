package accesslog

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// atomsDocPath is the page whose table lists the atoms for operators.
const atomsDocPath = "../../docs/configuration.md"

// TestAtomsAreDocumented keeps the table of atoms in docs/configuration.md
// equal to what the formatter knows: an atom added here without a line
// there, or a documented atom the formatter prints as unknown, fails.
func TestAtomsAreDocumented(t *testing.T) {
	data, err := os.ReadFile(atomsDocPath)
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `%\\(([^)]+)\\)s` \\|").FindAllStringSubmatch(string(data), -1) {
		documented = append(documented, m[1])
	}
	// The simple atoms, "l" (a constant "-"), and the three {name} forms
	// that atom's switch reads.
	known := []string{"l", "{name}i", "{name}o", "{name}e"}
	for key := range simpleAtoms {
		known = append(known, key)
	}
	slices.Sort(documented)
	slices.Sort(known)
	if !slices.Equal(documented, known) {
		t.Errorf("%s lists the atoms %s; the formatter knows %s",
			atomsDocPath, strings.Join(documented, " "), strings.Join(known, " "))
	}
	for _, key := range documented {
		if _, known := atom(key, nil); !known {
			t.Errorf("the documented atom %%(%s)s is unknown to the formatter", key)
		}
	}
}
