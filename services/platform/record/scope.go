package record

import "slices"

// Scope is the set of offices whose records a caller may read or change.
// Every repository method that reads takes one and puts it into the database
// filter itself, so a record of an office outside the scope is NOT_FOUND
// exactly like an absent one, and a list never returns another office's
// records whatever its filter says.
//
// The zero Scope holds no office and matches nothing: a caller without
// offices (or without credentials) sees nothing, rather than everything.
type Scope struct {
	offices []string
}

// NewScope returns the scope of the given office codes; empty codes and
// duplicates are dropped.
func NewScope(offices ...string) Scope {
	s := make([]string, 0, len(offices))
	for _, o := range offices {
		if o != "" && !slices.Contains(s, o) {
			s = append(s, o)
		}
	}
	slices.Sort(s)
	return Scope{offices: s}
}

// Offices returns the scope's office codes, sorted: a copy, never nil (an
// empty scope gives an empty slice, which a database $in matches nothing with).
func (s Scope) Offices() []string { return append([]string{}, s.offices...) }

// Contains reports whether office is in the scope.
func (s Scope) Contains(office string) bool {
	_, found := slices.BinarySearch(s.offices, office)
	return found
}

// Empty reports whether the scope holds no office.
func (s Scope) Empty() bool { return len(s.offices) == 0 }

// Narrow returns the offices of offices that are also in s: a list's
// requested offices, cut down to what the caller may reach.
func (s Scope) Narrow(offices []string) Scope {
	var kept []string
	for _, o := range offices {
		if s.Contains(o) {
			kept = append(kept, o)
		}
	}
	return NewScope(kept...)
}
