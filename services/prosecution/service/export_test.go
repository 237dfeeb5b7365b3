package service

import "github.com/justiceops/justice/services/prosecution/internal/adapters/mongodb"

// MetricsRepository exposes the service's metric counters to its tests:
// to compare them with a recount (Counters), and to simulate a crash
// between a record write and its counter update (SimulateCrashes).
func (s *Service) MetricsRepository() *mongodb.MetricsRepository { return s.metrics }
