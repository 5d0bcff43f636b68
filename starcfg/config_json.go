package starcfg

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// UnmarshalJSON reads a Config as another gocorn binary may have written
// it: the master's, sent to a worker that a HUP started from a newer
// binary on disk. A setting the JSON does not name keeps this binary's
// default (Defaults) rather than Go's zero value, and a name this binary
// does not know is ignored. The fields' JSON names are the settings'
// names; MarshalJSON adds the program's settings.
func (c *Config) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	*c = *Defaults()
	for _, s := range settings {
		raw, ok := fields[s.name]
		if !ok {
			continue
		}
		ptr := s.field(c)
		reflect.ValueOf(ptr).Elem().SetZero() // a map is replaced, not merged into the default
		if err := json.Unmarshal(raw, ptr); err != nil {
			return fmt.Errorf("config: %s: %w", s.name, err)
		}
	}
	return nil
}

// MarshalJSON writes c with a program's own settings (AddProgramSettings)
// beside the built-in ones, by name, so a worker receives them too.
func (c *Config) MarshalJSON() ([]byte, error) {
	type plain Config // the fields alone, without this method
	out, err := json.Marshal((*plain)(c))
	if err != nil || len(c.program) == 0 {
		return out, err
	}
	out = out[:len(out)-1] // reopen the object
	for _, name := range slices.Sorted(maps.Keys(c.program)) {
		v, err := json.Marshal(c.program[name])
		if err != nil {
			return nil, fmt.Errorf("config: %s: %w", name, err)
		}
		out = fmt.Appendf(out, ",%q:%s", name, v)
	}
	return append(out, '}'), nil
}
