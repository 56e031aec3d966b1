package services

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// complete validates the draft and fills in the defaults.
func (d *draft) complete(path string) error {
	def := &d.def
	at := func(field string) string { return join(path, field) }
	switch {
	case def.Name == "":
		return fieldErrorf(at("Name"), "required")
	case len(def.Name) > catalog.MaxServiceNameLen:
		return fieldErrorf(at("Name"), "%d bytes exceed %d", len(def.Name), catalog.MaxServiceNameLen)
	case !isLabel(def.Name):
		return fieldErrorf(at("Name"), "%q: only letters, digits, '-' and '_' are allowed, so that the name works in DNS", def.Name)
	}
	if def.ID == "" {
		def.ID = def.Name
	}
	if err := checkID(def.ID, at("ID"), catalog.MaxServiceIDLen); err != nil {
		return err
	}
	if len(def.Address) > overlay.MaxAddrLen || strings.IndexFunc(def.Address, unicode.IsSpace) >= 0 || hasControl(def.Address) {
		return fieldErrorf(at("Address"), "%.64q is not a host name or address of at most %d bytes", def.Address, overlay.MaxAddrLen)
	}
	if err := checkTags(def.Tags, at("Tags")); err != nil {
		return err
	}
	if err := checkMeta(def.Meta, at("Meta")); err != nil {
		return err
	}
	if len(def.Tags) == 0 {
		def.Tags = nil
	}
	if len(def.Meta) == 0 {
		def.Meta = nil
	}
	if len(def.Checks) > MaxChecksPerService {
		return fieldErrorf(at("Checks"), "%d checks exceed %d", len(def.Checks), MaxChecksPerService)
	}
	seen := make(map[string]string)
	for i := range def.Checks {
		c, p := &def.Checks[i], d.checkPaths[i]
		if c.ID == "" {
			c.ID = "service:" + def.ID
			if len(def.Checks) > 1 {
				c.ID += ":" + strconv.Itoa(i+1)
			}
		}
		if c.Name == "" {
			c.Name = "Service '" + def.Name + "' check"
		}
		if err := c.complete(p); err != nil {
			return err
		}
		if other, dup := seen[c.ID]; dup {
			return fieldErrorf(join(p, "CheckID"), "%q is also the ID of %s", c.ID, other)
		}
		seen[c.ID] = p
	}
	return nil
}

// complete validates one check and fills in its defaults.
func (c *CheckDefinition) complete(path string) error {
	at := func(field string) string { return join(path, field) }
	if err := checkID(c.ID, at("CheckID"), MaxCheckIDLen); err != nil {
		return err
	}
	switch {
	case len(c.Name) > MaxCheckNameLen || hasControl(c.Name):
		return fieldErrorf(at("Name"), "want at most %d bytes without control characters", MaxCheckNameLen)
	case len(c.Notes) > MaxNotesLen:
		return fieldErrorf(at("Notes"), "%d bytes exceed %d", len(c.Notes), MaxNotesLen)
	}
	kinds := 0
	for _, set := range []bool{c.HTTP != "", c.TCP != "", c.TTL != 0} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return fieldErrorf(path, "exactly one of HTTP, TCP and TTL is required, %d given", kinds)
	}
	switch {
	case c.HTTP != "":
		c.Kind = HTTP
		if err := c.completeHTTP(path); err != nil {
			return err
		}
	case c.TCP != "":
		c.Kind = TCP
		if _, err := splitHostPort(c.TCP); err != nil {
			return fieldErrorf(at("TCP"), "%.64q: %v", c.TCP, err)
		}
	default:
		c.Kind = TTL
		if c.Interval != 0 || c.Timeout != 0 {
			return fieldErrorf(at(firstSet(c.Interval != 0, "Interval", "Timeout")), "not used by a TTL check: the service reports within TTL")
		}
	}
	if c.Kind != HTTP {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"Method", c.Method != ""}, {"Header", len(c.Header) > 0}, {"Body", c.Body != ""},
			{"TLSServerName", c.TLSServerName != ""}, {"TLSSkipVerify", c.TLSSkipVerify},
		} {
			if f.set {
				return fieldErrorf(at(f.name), "only used by an HTTP check")
			}
		}
	}
	if c.Kind != TTL {
		if c.Interval == 0 {
			return fieldErrorf(at("Interval"), "required for a %s check", strings.ToUpper(c.Kind.String()))
		}
		if c.Interval < MinInterval {
			return fieldErrorf(at("Interval"), "%v is below the minimum of %v", c.Interval, MinInterval)
		}
		if c.Timeout == 0 {
			c.Timeout = DefaultTimeout
		}
	}
	if d := c.DeregisterCriticalServiceAfter; d != 0 && d < MinDeregisterAfter {
		return fieldErrorf(at("DeregisterCriticalServiceAfter"), "%v is below the minimum of %v", d, MinDeregisterAfter)
	}
	if c.Status == 0 {
		c.Status = catalog.Critical
	}
	if len(c.Header) == 0 {
		c.Header = nil
	}
	return nil
}

func firstSet(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

func (c *CheckDefinition) completeHTTP(path string) error {
	at := func(field string) string { return join(path, field) }
	u, err := url.Parse(c.HTTP)
	switch {
	case len(c.HTTP) > MaxURLLen:
		return fieldErrorf(at("HTTP"), "URL of %d bytes exceeds %d", len(c.HTTP), MaxURLLen)
	case err != nil:
		return fieldErrorf(at("HTTP"), "%v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fieldErrorf(at("HTTP"), "%.64q: want an http:// or https:// URL", c.HTTP)
	case u.Host == "":
		return fieldErrorf(at("HTTP"), "%.64q has no host", c.HTTP)
	}
	if c.Method == "" {
		c.Method = "GET"
	}
	if !isToken(c.Method) {
		return fieldErrorf(at("Method"), "%.32q is not an HTTP method", c.Method)
	}
	if len(c.Body) > MaxHTTPBodyLen {
		return fieldErrorf(at("Body"), "%d bytes exceed %d", len(c.Body), MaxHTTPBodyLen)
	}
	if len(c.Header) > MaxHeaderPairs {
		return fieldErrorf(at("Header"), "%d headers exceed %d", len(c.Header), MaxHeaderPairs)
	}
	for _, k := range sortedKeys(c.Header) {
		if !isToken(k) {
			return fieldErrorf(join(at("Header"), k), "not a valid header name")
		}
		for _, v := range c.Header[k] {
			if strings.ContainsAny(v, "\r\n\x00") || len(v) > MaxURLLen {
				return fieldErrorf(join(at("Header"), k), "a value has a line break or NUL, or is over %d bytes", MaxURLLen)
			}
		}
	}
	if c.TLSServerName != "" && (len(c.TLSServerName) > 253 || hasControl(c.TLSServerName)) {
		return fieldErrorf(at("TLSServerName"), "not a host name")
	}
	return nil
}

// splitHostPort checks a host:port with a port in 1..65535.
func splitHostPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", strconv.ErrRange
	}
	if host == "" || len(addr) > overlay.MaxAddrLen || hasControl(host) {
		return "", net.InvalidAddrError("want host:port")
	}
	return host, nil
}

func checkID(id, path string, maxLen int) error {
	switch {
	case len(id) > maxLen:
		return fieldErrorf(path, "%d bytes exceed %d", len(id), maxLen)
	case strings.Contains(id, "/") || hasControl(id) || strings.TrimSpace(id) != id:
		return fieldErrorf(path, "%.64q: no '/', control characters or surrounding spaces", id)
	}
	return nil
}

func checkTags(tags []string, path string) error {
	if len(tags) > catalog.MaxTagsPerService {
		return fieldErrorf(path, "%d tags exceed %d", len(tags), catalog.MaxTagsPerService)
	}
	for i, t := range tags {
		if t == "" || len(t) > catalog.MaxTagLen || hasControl(t) {
			return fieldErrorf(index(path, i), "want 1..%d bytes without control characters", catalog.MaxTagLen)
		}
	}
	return nil
}

// checkMeta applies Consul's rules for service meta: keys of letters,
// digits, '-' and '_', none starting with the reserved "consul-".
func checkMeta(meta map[string]string, path string) error {
	if len(meta) > catalog.MaxMetaPairs {
		return fieldErrorf(path, "%d pairs exceed %d", len(meta), catalog.MaxMetaPairs)
	}
	for _, k := range sortedKeys(meta) {
		switch {
		case len(k) > catalog.MaxMetaKeyLen || !isLabel(k):
			return fieldErrorf(join(path, k), "key: want 1..%d letters, digits, '-' or '_'", catalog.MaxMetaKeyLen)
		case strings.HasPrefix(k, "consul-"):
			return fieldErrorf(join(path, k), "the prefix \"consul-\" is reserved")
		case len(meta[k]) > catalog.MaxMetaValueLen:
			return fieldErrorf(join(path, k), "value of %d bytes exceeds %d", len(meta[k]), catalog.MaxMetaValueLen)
		}
	}
	return nil
}

// isLabel reports whether s is a non-empty run of letters, digits, '-'
// and '_'.
func isLabel(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return false
		}
	}
	return true
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
