package services

import (
	"slices"
	"strings"

	"github.com/overlayd/overlayd/node/catalog"
)

// View is an immutable picture of this agent's services and checks,
// published by the [Manager] after each change. Readers must not modify
// it.
type View struct {
	// Version counts the changes; it only grows.
	Version uint64
	// Services are sorted by ID, Checks by check ID.
	Services []ServiceStatus
	Checks   []CheckStatus
}

// ServiceStatus is a registered instance and its aggregate health, the
// worst of its checks.
type ServiceStatus struct {
	Definition
	Health catalog.Health
}

// CheckStatus is one check and its latest result.
type CheckStatus struct {
	Definition  CheckDefinition
	ServiceID   string
	ServiceName string
	Status      catalog.Health
	// Output is what the latest run said. ReportedOutput is the output
	// as shown beside the service to the rest of the API: it follows
	// Output when the status changes and otherwise at most once per
	// Config.OutputUpdateInterval, as Consul's check_update_interval
	// does, so that a check whose output alone changes on every run does
	// not wake every watcher of the service.
	Output         string
	ReportedOutput string
}

// Service returns the status of instance id.
func (v *View) Service(id string) (ServiceStatus, bool) {
	i, found := slices.BinarySearchFunc(v.Services, id, func(s ServiceStatus, id string) int { return strings.Compare(s.ID, id) })
	if !found {
		return ServiceStatus{}, false
	}
	return v.Services[i], true
}

// ChecksOf returns the checks of instance id, in its definition's order.
func (v *View) ChecksOf(id string) []CheckStatus {
	s, ok := v.Service(id)
	if !ok {
		return nil
	}
	out := make([]CheckStatus, 0, len(s.Checks))
	for _, def := range s.Checks {
		if i, found := slices.BinarySearchFunc(v.Checks, def.ID, func(c CheckStatus, id string) int {
			return strings.Compare(c.Definition.ID, id)
		}); found {
			out = append(out, v.Checks[i])
		}
	}
	return out
}
