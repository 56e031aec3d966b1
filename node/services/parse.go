package services

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Parse reads one service definition in the JSON shape of the body of
// Consul's PUT /v1/agent/service/register: ID, Name, Address, Port, Tags,
// Meta, EnableTagOverride, and a Check and/or Checks of the HTTP, TCP or
// TTL kind. Keys match as in Consul, whatever their case and in snake_case
// too. Parse is strict: an unknown field, a field given twice, a value of
// the wrong type or out of range, or a Consul feature that overlayd does
// not have (Connect, script checks, weights …) set to anything but its
// zero value is refused with a [*FieldError] naming the field. The
// definition returned is complete (see [Definition]).
func Parse(data []byte) (Definition, error) {
	return parseDefinition(data, "")
}

// ParseFile reads the service definitions of a file, in any of the shapes
// Consul's configuration files and `consul services register` accept: one
// definition, {"Service": {…}}, {"Services": [{…}, …]}, or an array of
// definitions. The service IDs must differ.
func ParseFile(data []byte) ([]Definition, error) {
	if isArray(data) {
		return parseList(data, "")
	}
	ms, err := readObject(data, "", true)
	if err != nil {
		return nil, err
	}
	if len(ms) == 1 {
		switch normalizeKey(ms[0].key) {
		case "service":
			d, err := parseDefinition(ms[0].raw, "Service")
			if err != nil {
				return nil, err
			}
			return []Definition{d}, nil
		case "services":
			return parseList(ms[0].raw, "Services")
		}
	}
	d, err := parseDefinition(data, "")
	if err != nil {
		return nil, err
	}
	return []Definition{d}, nil
}

// ParseList reads a JSON array of service definitions, as the services
// section of the agent's configuration file holds them; errors name the
// field under path ("services[2].Check.TTL"). The service IDs must
// differ.
func ParseList(data []byte, path string) ([]Definition, error) {
	return parseList(data, path)
}

func isArray(data []byte) bool {
	s := strings.TrimLeft(string(data), " \t\r\n")
	return strings.HasPrefix(s, "[")
}

func parseList(raw json.RawMessage, path string) ([]Definition, error) {
	items, err := readArray(raw, path)
	if err != nil {
		return nil, err
	}
	out := make([]Definition, 0, len(items))
	seen := make(map[string]int)
	for i, item := range items {
		p := index(path, i)
		d, err := parseDefinition(item, p)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[d.ID]; dup {
			return nil, fieldErrorf(join(p, "ID"), "%q is also the ID of %s", d.ID, index(path, j))
		}
		seen[d.ID] = i
		out = append(out, d)
	}
	return out, nil
}

// serviceFields are the fields of a service definition, by normalized key.
var serviceFields = map[string]func(d *draft, raw json.RawMessage, path string) error{
	"id": func(d *draft, raw json.RawMessage, p string) (err error) {
		d.def.ID, err = decodeString(raw, p)
		return
	},
	"name": func(d *draft, raw json.RawMessage, p string) (err error) {
		d.def.Name, err = decodeString(raw, p)
		return
	},
	"address": func(d *draft, raw json.RawMessage, p string) (err error) {
		d.def.Address, err = decodeString(raw, p)
		return
	},
	"tags": func(d *draft, raw json.RawMessage, p string) (err error) {
		d.def.Tags, err = decodeStrings(raw, p)
		return
	},
	"meta": func(d *draft, raw json.RawMessage, p string) (err error) {
		d.def.Meta, err = decodeStringMap(raw, p)
		return
	},
	"enabletagoverride": func(d *draft, raw json.RawMessage, p string) (err error) {
		d.def.EnableTagOverride, err = decodeBool(raw, p)
		return
	},
	"port": func(d *draft, raw json.RawMessage, p string) error {
		n, err := decodeInt(raw, p, 0, 65535)
		d.def.Port = int(n)
		return err
	},
	"check": func(d *draft, raw json.RawMessage, p string) error {
		if isNull(raw) {
			return nil
		}
		c, err := parseCheck(raw, p)
		d.def.Checks = append([]CheckDefinition{c}, d.def.Checks...)
		d.checkPaths = append([]string{p}, d.checkPaths...)
		return err
	},
	"checks": func(d *draft, raw json.RawMessage, p string) error {
		items, err := readArray(raw, p)
		for i, item := range items {
			if err != nil {
				break
			}
			var c CheckDefinition
			c, err = parseCheck(item, index(p, i))
			d.def.Checks = append(d.def.Checks, c)
			d.checkPaths = append(d.checkPaths, index(p, i))
		}
		return err
	},
	"kind":            allowOnly("typical"),
	"namespace":       allowOnly("default"),
	"partition":       allowOnly("default"),
	"weights":         allowDefaultWeights,
	"ports":           unsupported[draft]("named ports"),
	"socketpath":      unsupported[draft]("Unix socket services"),
	"taggedaddresses": unsupported[draft]("tagged addresses"),
	"proxy":           unsupported[draft]("Connect"),
	"connect":         unsupported[draft]("Connect"),
	"locality":        unsupported[draft]("locality"),
	"ai":              unsupported[draft]("AI service metadata"),
}

// canonical gives the Consul spelling of each normalized key, for errors.
var canonical = map[string]string{
	"id": "ID", "name": "Name", "address": "Address", "port": "Port", "tags": "Tags", "meta": "Meta",
	"enabletagoverride": "EnableTagOverride", "check": "Check", "checks": "Checks", "kind": "Kind",
	"namespace": "Namespace", "partition": "Partition", "weights": "Weights", "ports": "Ports",
	"socketpath": "SocketPath", "taggedaddresses": "TaggedAddresses", "proxy": "Proxy",
	"connect": "Connect", "locality": "Locality", "ai": "AI",
	"checkid": "CheckID", "notes": "Notes", "http": "HTTP", "method": "Method", "header": "Header",
	"body": "Body", "tlsservername": "TLSServerName", "tlsskipverify": "TLSSkipVerify", "tcp": "TCP",
	"interval": "Interval", "timeout": "Timeout", "ttl": "TTL", "status": "Status",
	"deregistercriticalserviceafter": "DeregisterCriticalServiceAfter", "serviceid": "ServiceID",
}

// fieldName returns the Consul spelling of key.
func fieldName(key string) string {
	if c, ok := canonical[normalizeKey(key)]; ok {
		return c
	}
	return key
}

// unsupported refuses a Consul field that overlayd does not implement,
// unless it is sent empty, as Consul's clients do.
func unsupported[T any](feature string) func(*T, json.RawMessage, string) error {
	return func(_ *T, raw json.RawMessage, p string) error {
		if isZero(raw) {
			return nil
		}
		return fieldErrorf(p, "%s: not supported by overlayd", feature)
	}
}

// allowOnly accepts a string field that is empty or the one value with
// which overlayd behaves as Consul would.
func allowOnly(value string) func(*draft, json.RawMessage, string) error {
	return func(_ *draft, raw json.RawMessage, p string) error {
		s, err := decodeString(raw, p)
		if err != nil || s == "" || s == value {
			return err
		}
		return fieldErrorf(p, "%q: only %q is supported by overlayd", s, value)
	}
}

// allowDefaultWeights accepts Weights of {"Passing": 1, "Warning": 1},
// Consul's default, the only weighting overlayd has.
func allowDefaultWeights(_ *draft, raw json.RawMessage, p string) error {
	if isNull(raw) {
		return nil
	}
	ms, err := readObject(raw, p, true)
	if err != nil {
		return err
	}
	for _, m := range ms {
		k := normalizeKey(m.key)
		if k != "passing" && k != "warning" {
			return fieldErrorf(join(p, m.key), "unknown field")
		}
		if n, err := decodeInt(m.raw, join(p, m.key), 0, 1<<31); err != nil {
			return err
		} else if n != 1 {
			return fieldErrorf(join(p, m.key), "weight %d: only 1 is supported by overlayd", n)
		}
	}
	return nil
}

func parseDefinition(raw json.RawMessage, path string) (Definition, error) {
	ms, err := readObject(raw, path, true)
	if err != nil {
		return Definition{}, err
	}
	var d draft
	for _, m := range ms {
		set, ok := serviceFields[normalizeKey(m.key)]
		if !ok {
			return Definition{}, fieldErrorf(join(path, m.key), "unknown field")
		}
		if err := set(&d, m.raw, join(path, fieldName(m.key))); err != nil {
			return Definition{}, err
		}
	}
	if err := d.complete(path); err != nil {
		return Definition{}, err
	}
	return d.def, nil
}

// checkFields are the fields of a check definition, by normalized key.
var checkFields = map[string]func(c *CheckDefinition, raw json.RawMessage, path string) error{
	"checkid": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.ID, err = decodeString(raw, p)
		return
	},
	"id": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.ID, err = decodeString(raw, p)
		return
	},
	"name": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.Name, err = decodeString(raw, p)
		return
	},
	"notes": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.Notes, err = decodeString(raw, p)
		return
	},
	"http": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.HTTP, err = decodeString(raw, p)
		return
	},
	"method": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.Method, err = decodeString(raw, p)
		return
	},
	"header": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.Header, err = decodeHeader(raw, p)
		return
	},
	"body": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.Body, err = decodeString(raw, p)
		return
	},
	"tlsservername": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.TLSServerName, err = decodeString(raw, p)
		return
	},
	"tlsskipverify": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.TLSSkipVerify, err = decodeBool(raw, p)
		return
	},
	"tcp": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.TCP, err = decodeString(raw, p)
		return
	},
	"interval": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.Interval, err = decodeDuration(raw, p)
		return
	},
	"timeout": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.Timeout, err = decodeDuration(raw, p)
		return
	},
	"ttl": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.TTL, err = decodeDuration(raw, p)
		return
	},
	"deregistercriticalserviceafter": func(c *CheckDefinition, raw json.RawMessage, p string) (err error) {
		c.DeregisterCriticalServiceAfter, err = decodeDuration(raw, p)
		return
	},
	"status": func(c *CheckDefinition, raw json.RawMessage, p string) error {
		s, err := decodeString(raw, p)
		if err != nil || s == "" {
			return err
		}
		h, ok := ParseHealth(s)
		if !ok {
			return fieldErrorf(p, "%q is not passing, warning or critical", s)
		}
		c.Status = h
		return nil
	},
	// A check inside a service belongs to it: a ServiceID is redundant.
	"serviceid":              unsupported[CheckDefinition]("a ServiceID inside a service's check"),
	"scriptargs":             unsupported[CheckDefinition]("script checks"),
	"args":                   unsupported[CheckDefinition]("script checks"),
	"dockercontainerid":      unsupported[CheckDefinition]("Docker checks"),
	"shell":                  unsupported[CheckDefinition]("Docker checks"),
	"grpc":                   unsupported[CheckDefinition]("gRPC checks"),
	"grpcusetls":             unsupported[CheckDefinition]("gRPC checks"),
	"h2ping":                 unsupported[CheckDefinition]("HTTP/2 ping checks"),
	"h2pingusetls":           unsupported[CheckDefinition]("HTTP/2 ping checks"),
	"udp":                    unsupported[CheckDefinition]("UDP checks"),
	"tcpusetls":              unsupported[CheckDefinition]("TCP checks over TLS"),
	"osservice":              unsupported[CheckDefinition]("OS service checks"),
	"aliasnode":              unsupported[CheckDefinition]("alias checks"),
	"aliasservice":           unsupported[CheckDefinition]("alias checks"),
	"successbeforepassing":   unsupported[CheckDefinition]("check thresholds"),
	"failuresbeforewarning":  unsupported[CheckDefinition]("check thresholds"),
	"failuresbeforecritical": unsupported[CheckDefinition]("check thresholds"),
	"outputmaxsize":          unsupported[CheckDefinition]("OutputMaxSize"),
	"disableredirects":       unsupported[CheckDefinition]("DisableRedirects"),
}

func parseCheck(raw json.RawMessage, path string) (CheckDefinition, error) {
	ms, err := readObject(raw, path, true)
	if err != nil {
		return CheckDefinition{}, err
	}
	var c CheckDefinition
	for _, m := range ms {
		set, ok := checkFields[normalizeKey(m.key)]
		if !ok {
			return CheckDefinition{}, fieldErrorf(join(path, m.key), "unknown field")
		}
		if err := set(&c, m.raw, join(path, fieldName(m.key))); err != nil {
			return CheckDefinition{}, err
		}
	}
	return c, nil
}

// draft is a definition being parsed, with the path of each check in the
// document: Check, then Checks[i].
type draft struct {
	def        Definition
	checkPaths []string
}

// String makes a FieldError path of a definition readable in logs.
func (d Definition) String() string { return fmt.Sprintf("service %q (%s)", d.ID, d.Name) }
