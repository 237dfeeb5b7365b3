package counters

// SetHooks installs the crash points of tests on s (see hooks).
func SetHooks(s *Store, afterCounters, afterSettle func(changeID string) error, beforeSwitch func()) {
	s.hooks = hooks{afterCounters: afterCounters, afterSettle: afterSettle, beforeSwitch: beforeSwitch}
}
