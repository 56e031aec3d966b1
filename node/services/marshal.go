package services

import (
	"encoding/json"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
)

// definitionJSON is a Definition in Consul's shape, as [Parse] reads it.
type definitionJSON struct {
	ID                string
	Name              string
	Address           string            `json:",omitempty"`
	Port              int               `json:",omitempty"`
	Tags              []string          `json:",omitempty"`
	Meta              map[string]string `json:",omitempty"`
	EnableTagOverride bool              `json:",omitempty"`
	Checks            []checkJSON       `json:",omitempty"`
}

type checkJSON struct {
	CheckID                        string
	Name                           string
	Notes                          string              `json:",omitempty"`
	HTTP                           string              `json:",omitempty"`
	Method                         string              `json:",omitempty"`
	Header                         map[string][]string `json:",omitempty"`
	Body                           string              `json:",omitempty"`
	TLSServerName                  string              `json:",omitempty"`
	TLSSkipVerify                  bool                `json:",omitempty"`
	TCP                            string              `json:",omitempty"`
	Interval                       string              `json:",omitempty"`
	Timeout                        string              `json:",omitempty"`
	TTL                            string              `json:",omitempty"`
	DeregisterCriticalServiceAfter string              `json:",omitempty"`
	Status                         string              `json:",omitempty"`
}

// MarshalJSON writes d in the shape [Parse] reads, so that
// Parse(json.Marshal(d)) returns d. It is how registrations are kept in
// the data directory and how the API client sends them.
func (d Definition) MarshalJSON() ([]byte, error) {
	out := definitionJSON{
		ID: d.ID, Name: d.Name, Address: d.Address, Port: d.Port, Tags: d.Tags, Meta: d.Meta,
		EnableTagOverride: d.EnableTagOverride,
	}
	for _, c := range d.Checks {
		out.Checks = append(out.Checks, checkJSON{
			CheckID: c.ID, Name: c.Name, Notes: c.Notes,
			HTTP: c.HTTP, Method: c.Method, Header: c.Header, Body: c.Body,
			TLSServerName: c.TLSServerName, TLSSkipVerify: c.TLSSkipVerify, TCP: c.TCP,
			Interval: durationString(c.Interval), Timeout: durationString(c.Timeout), TTL: durationString(c.TTL),
			DeregisterCriticalServiceAfter: durationString(c.DeregisterCriticalServiceAfter),
			Status:                         statusString(c.Status),
		})
	}
	return json.Marshal(out)
}

func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// statusString writes a status as Consul names it, or "" for none.
func statusString(h catalog.Health) string {
	if h == 0 {
		return ""
	}
	return h.String()
}
