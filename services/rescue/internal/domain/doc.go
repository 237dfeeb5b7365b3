// Package domain holds the rescue service's records and their rules: suspected
// locations of exploitation, rescue operations carried out with the police at
// those locations, and the survivors the operations bring out.
//
// It knows nothing of gRPC, protobuf or BSON. It owns the invariants (what a
// valid record is), the lifecycles (which status may follow which, and the
// audit trail every change leaves), the derived facts the law cares about (a
// survivor under 18 is a minor who must be produced before a Child Welfare
// Committee within 24 hours of rescue, JJ Act 2015 s.31), and the repository
// interfaces the application layer needs.
//
// The rescue metrics (metrics.go: survivors_rescued, minors_rescued,
// operations_conducted) have one written definition each, a pure function
// of a record (SurvivorMetrics, OperationMetrics) counting in the calendar
// month of the record's office's time zone; the repositories keep
// pre-aggregated counters of them as they write.
//
// Access is part of the model: every repository read takes the caller's
// Scope (the offices it holds) and puts it into the query, so a record of
// another office is NOT_FOUND like an absent one. A survivor's protected
// identity (SurvivorIdentityFields) can be erased for good (EraseIdentity)
// while the record, its pseudonym and every count stay.
//
// Errors are platform errs errors with stable reasons. Messages name records
// by resource name and never contain survivor identity (legal name, date of
// birth, family contact, address, photo).
package domain
