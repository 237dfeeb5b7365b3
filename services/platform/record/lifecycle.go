package record

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
	CheckMaxLen(&v, "reason", c.Reason, MaxReasonLength, true)
	return v
}

// Lifecycle is a state machine: for each status, the statuses that may follow it.
type Lifecycle[S ~string] struct {
	// Kind names the record kind in messages, e.g. "operation".
	Kind string
	// Allowed lists, for each status, the statuses that may follow it.
	Allowed map[S][]S
}

// Check returns nil when from -> to is allowed, else FAILED_PRECONDITION
// reason ILLEGAL_TRANSITION naming both states and what is allowed instead.
func (l Lifecycle[S]) Check(name string, from, to S) error {
	next := l.Allowed[from]
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
		"%s %s is %s; cannot move to %s (allowed from %s: %s)", l.Kind, name, from, to, from, allowed).
		WithMetadata("current_state", string(from)).
		WithMetadata("requested_state", string(to))
}

// Next returns the statuses allowed after from.
func (l Lifecycle[S]) Next(from S) []S {
	return slices.Clone(l.Allowed[from])
}

// Applied reports whether a transition made under requestID is already in the trail.
func Applied[S ~string](trail []Transition[S], requestID string) bool {
	if requestID == "" {
		return false
	}
	return slices.ContainsFunc(trail, func(t Transition[S]) bool { return t.RequestID == requestID })
}

// Apply moves *status to `to` after checking the lifecycle, appending to the trail.
func Apply[S ~string](l Lifecycle[S], name string, status *S, trail *[]Transition[S], to S, c Change) error {
	if v := c.Validate(); len(v) > 0 {
		return v.Err()
	}
	if err := l.Check(name, *status, to); err != nil {
		return err
	}
	*trail = append(*trail, Transition[S]{
		From: *status, To: to, Actor: c.Actor, Time: Timestamp(c.Time), Reason: c.Reason, RequestID: c.RequestID,
	})
	*status = to
	return nil
}

// ValidateWithReason checks a change that must say why (an erasure, a
// backwards correction): the reason is required, and hint tells the caller
// what it should say, e.g. "say why the stage recorded was wrong".
func (c Change) ValidateWithReason(hint string) errs.Violations {
	v := c.Validate()
	if strings.TrimSpace(c.Reason) == "" {
		v.Add("reason", "is required: %s", hint)
	}
	return v
}
