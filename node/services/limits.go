package services

// checkLimits reports whether registering def, in place of old if old is
// not nil, would take the agent past MaxServices or MaxChecks.
func (m *Manager) checkLimits(def Definition, old *instance) error {
	if old == nil && len(m.services) >= m.cfg.MaxServices {
		return fieldErrorf("ID", "this agent has %d services, its limit (MaxServices); deregister one first", len(m.services))
	}
	checks := len(m.checks) + len(def.Checks)
	if old != nil {
		checks -= len(old.checks)
	}
	if checks > m.cfg.MaxChecks {
		return fieldErrorf("Checks", "%d checks on this agent would exceed its limit of %d (MaxChecks)", checks, m.cfg.MaxChecks)
	}
	return nil
}

// Stats counts what a [Manager] refused.
type Stats struct {
	// OverLimit counts the registrations refused at MaxServices or
	// MaxChecks.
	OverLimit uint64
}

// Stats returns the Manager's counters; it is safe for concurrent use.
func (m *Manager) Stats() Stats { return Stats{OverLimit: m.overLimit.Load()} }
