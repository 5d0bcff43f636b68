package starcfg

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// UnmarshalJSON reads a Config as another gocorn binary may have written
// it: the master's, sent to a worker that a HUP started from a newer
// binary on disk. A setting the JSON does not name keeps this binary's
// default (Defaults) rather than Go's zero value, and a name this binary
// does not know is ignored. Encoding needs nothing of its own: the
// fields' JSON names are the settings' names.
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
