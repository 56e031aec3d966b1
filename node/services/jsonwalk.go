package services

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// member is one key of a JSON object, in document order.
type member struct {
	key string
	raw json.RawMessage
}

// normalizeKey folds a key the way Consul's decoder matches it: case does
// not matter, and snake_case ("deregister_critical_service_after") names
// the same field as CamelCase.
func normalizeKey(k string) string { return strings.ToLower(strings.ReplaceAll(k, "_", "")) }

// readObject reads raw as one JSON object and returns its members in
// order. A key repeated (after normalizeKey when fold is set) is refused:
// json.Unmarshal would silently keep the last one.
func readObject(raw json.RawMessage, path string, fold bool) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil {
		return nil, syntaxError(path, err)
	} else if tok != json.Delim('{') {
		return nil, fieldErrorf(path, "want a JSON object, got %s", describe(raw))
	}
	var out []member
	seen := make(map[string]string)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(path, err)
		}
		key, _ := tok.(string) // object keys are strings, or Token fails
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, syntaxError(join(path, key), err)
		}
		norm := key
		if fold {
			norm = normalizeKey(key)
		}
		if first, dup := seen[norm]; dup {
			return nil, fieldErrorf(join(path, key), "given twice (also as %q)", first)
		}
		seen[norm] = key
		out = append(out, member{key: key, raw: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fieldErrorf(path, "unexpected data after the JSON object")
	}
	return out, nil
}

// readArray reads raw as a JSON array (null is empty).
func readArray(raw json.RawMessage, path string) ([]json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fieldErrorf(path, "want a JSON array, got %s", describe(raw))
	}
	return out, nil
}

func syntaxError(path string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fieldErrorf(path, "invalid JSON at byte %d: %v", se.Offset, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fieldErrorf(path, "truncated JSON")
	}
	return fieldErrorf(path, "invalid JSON: %v", err)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// describe names the JSON type of raw, for error messages.
func describe(raw json.RawMessage) string {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// isZero reports whether raw is null or the zero value of its JSON type,
// which is how Consul's clients send a field they do not use.
func isZero(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "null", `""`, "false", "0", "{}", "[]":
		return true
	}
	return false
}

func decodeString(raw json.RawMessage, path string) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldErrorf(path, "want a string, got %s", describe(raw))
	}
	return s, nil
}

func decodeBool(raw json.RawMessage, path string) (bool, error) {
	if isNull(raw) {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, fieldErrorf(path, "want true or false, got %s", describe(raw))
	}
	return b, nil
}

// decodeInt reads an integer in lo..hi.
func decodeInt(raw json.RawMessage, path string, lo, hi int64) (int64, error) {
	if isNull(raw) {
		return 0, nil
	}
	var n json.Number
	// json.Number would also take a string holding a number.
	if describe(raw) != "a number" || json.Unmarshal(raw, &n) != nil {
		return 0, fieldErrorf(path, "want a number, got %s", describe(raw))
	}
	v, err := n.Int64()
	if err != nil || v < lo || v > hi {
		return 0, fieldErrorf(path, "%s is not an integer in %d..%d", n, lo, hi)
	}
	return v, nil
}

// decodeDuration reads a duration as Consul does: a Go duration string
// ("10s", "1m30s") or a number of nanoseconds. It must be within
// 0..MaxCheckDurationSpan.
func decodeDuration(raw json.RawMessage, path string) (time.Duration, error) {
	if isNull(raw) {
		return 0, nil
	}
	var d time.Duration
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			return 0, nil
		}
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fieldErrorf(path, "%q is not a duration such as \"10s\"", s)
		}
	} else {
		n, err := decodeInt(raw, path, 0, math.MaxInt64)
		if err != nil {
			return 0, fieldErrorf(path, "want a duration such as \"10s\", got %s", describe(raw))
		}
		d = time.Duration(n)
	}
	if d < 0 || d > MaxCheckDurationSpan {
		return 0, fieldErrorf(path, "%v is outside 0..%v", d, MaxCheckDurationSpan)
	}
	return d, nil
}

func decodeStrings(raw json.RawMessage, path string) ([]string, error) {
	items, err := readArray(raw, path)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, item := range items {
		s, err := decodeString(item, index(path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func decodeStringMap(raw json.RawMessage, path string) (map[string]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	ms, err := readObject(raw, path, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ms))
	for _, m := range ms {
		v, err := decodeString(m.raw, join(path, m.key))
		if err != nil {
			return nil, err
		}
		out[m.key] = v
	}
	return out, nil
}

func decodeHeader(raw json.RawMessage, path string) (map[string][]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	ms, err := readObject(raw, path, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(ms))
	for _, m := range ms {
		v, err := decodeStrings(m.raw, join(path, m.key))
		if err != nil {
			return nil, err
		}
		out[m.key] = v
	}
	return out, nil
}
