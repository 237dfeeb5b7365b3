package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
)

// MaxReasonLength is the longest reason a caller may give for a transition, in characters.
const MaxReasonLength = 2000

// Transition is one change of a record's status: the audit trail of a lifecycle.
type Transition[S ~string] struct {
	// From is the status before the change.
	From S
	// To is the status after the change.
	To S
	// Actor is the subject of the caller who made the change.
	Actor string
	// Time is when the change was made.
	Time time.Time
	// Reason is why, in the caller's words.
	Reason string
	// RequestID is the caller's request_id, when one was given. A retry of the
	// same request finds it here and knows the change was already applied.
	RequestID string
}

// Change describes who asks for a status change, when and why.
type Change struct {
	// Actor is the subject of the caller.
	Actor string
	// Time is the server time of the change.
	Time time.Time
	// Reason is the caller's explanation, at most MaxReasonLength characters.
	Reason string
	// RequestID is the caller's request_id, or empty.
	RequestID string
}

// Validate checks the caller-supplied parts of a change.
func (c Change) Validate() errs.Violations {
	var v errs.Violations
	checkMaxLen(&v, "reason", c.Reason, MaxReasonLength, true)
	return v
}

// lifecycle is a state machine: for each status, the statuses that may follow it.
type lifecycle[S ~string] struct {
	kind    string
	allowed map[S][]S
}

// check returns nil when from -> to is allowed, else FAILED_PRECONDITION
// reason ILLEGAL_TRANSITION naming both states and what is allowed instead.
func (l lifecycle[S]) check(name string, from, to S) error {
	next := l.allowed[from]
	if slices.Contains(next, to) {
		return nil
	}
	allowed := "none"
	if len(next) > 0 {
		names := make([]string, len(next))
		for i, s := range next {
			names[i] = string(s)
		}
		allowed = strings.Join(names, ", ")
	}
	return errs.FailedPrecondition("ILLEGAL_TRANSITION",
		"%s %s is %s; cannot move to %s (allowed from %s: %s)", l.kind, name, from, to, from, allowed).
		WithMetadata("current_state", string(from)).
		WithMetadata("requested_state", string(to))
}

// next returns the statuses allowed after from.
func (l lifecycle[S]) next(from S) []S {
	return slices.Clone(l.allowed[from])
}

// applied reports whether a transition made under requestID is already in the trail.
func applied[S ~string](trail []Transition[S], requestID string) bool {
	if requestID == "" {
		return false
	}
	return slices.ContainsFunc(trail, func(t Transition[S]) bool { return t.RequestID == requestID })
}

// transition moves *status to `to` after checking the lifecycle, appending to the trail.
func transition[S ~string](l lifecycle[S], name string, status *S, trail *[]Transition[S], to S, c Change) error {
	if v := c.Validate(); len(v) > 0 {
		return v.Err()
	}
	if err := l.check(name, *status, to); err != nil {
		return err
	}
	*trail = append(*trail, Transition[S]{
		From: *status, To: to, Actor: c.Actor, Time: Timestamp(c.Time), Reason: c.Reason, RequestID: c.RequestID,
	})
	*status = to
	return nil
}
