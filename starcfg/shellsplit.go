package starcfg

import (
	"errors"
	"strings"
)

// ShellSplit splits s into words the way a POSIX shell would, without
// expansions: blanks separate words; '...' keeps everything literally;
// "..." keeps everything except that a backslash escapes $ ` " \ and
// newline; outside quotes a backslash escapes any character, and a
// backslash-newline disappears. gunicorn splits GUNICORN_CMD_ARGS with
// Python's shlex.split, which follows the same rules, and so does its
// control socket with each command (package proc/control).
func ShellSplit(s string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 == len(s) {
				return nil, errors.New("a backslash ends the text with nothing to escape")
			}
			i++
			if s[i] != '\n' {
				word.WriteByte(s[i])
				inWord = true
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("a single quote (') is never closed")
			}
			word.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			n, err := doubleQuoted(s[i+1:], &word)
			if err != nil {
				return nil, err
			}
			i += n
			inWord = true
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// doubleQuoted copies the inside of a "..." string from s (which starts
// just after the opening quote) to w, and returns how many bytes of s it
// consumed, closing quote included.
func doubleQuoted(s string, w *strings.Builder) (int, error) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0:
			i++
			if s[i] != '\n' {
				w.WriteByte(s[i])
			}
		default:
			w.WriteByte(c)
		}
	}
	return 0, errors.New(`a double quote (") is never closed`)
}
