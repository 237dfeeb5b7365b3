package domain

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/justiceops/justice/services/platform/errs"
)

// The eCourts Case Number Record (CNR) is 16 characters: the state code (2
// letters), the district code (2 letters or digits), the establishment code
// (2 digits), the serial number (6 digits) and the year of filing (4
// digits), e.g. MHMU010012342024: Maharashtra, Mumbai, establishment 01,
// case 001234 filed in 2024.
const (
	// CNRLength is the length of a CNR number.
	CNRLength = 16
	// MinCNRYear is the earliest plausible year of filing.
	MinCNRYear = 1950
	// cnrShape describes the expected shape in every message.
	cnrShape = "state (2 letters) + district (2 letters or digits) + establishment (2 digits) + " +
		"serial (6 digits) + year (4 digits), e.g. MHMU010012342024"
)

// NormaliseCNR trims a CNR number and puts its letters in upper case.
func NormaliseCNR(cnr string) string { return strings.ToUpper(strings.TrimSpace(cnr)) }

// cnrPart is one part of a CNR number: runes [from, to) of a given class.
type cnrPart struct {
	from, to int
	name     string
	class    string
	ok       func(r rune) bool
}

func isUpperLetter(r rune) bool { return r >= 'A' && r <= 'Z' }
func isDigit(r rune) bool       { return r >= '0' && r <= '9' }

var cnrParts = []cnrPart{
	{0, 2, "state code", "2 letters", isUpperLetter},
	{2, 4, "district code", "2 letters or digits", func(r rune) bool { return isUpperLetter(r) || isDigit(r) }},
	{4, 6, "establishment code", "2 digits", isDigit},
	{6, 12, "serial number", "6 digits", isDigit},
	{12, 16, "year", "4 digits", isDigit},
}

// ValidateCNR checks an eCourts CNR number, accepting lower case, and
// returns it normalised (NormaliseCNR). The number is optional: an empty one
// is valid. The year of filing must lie between MinCNRYear and thisYear. A
// wrong number gets one violation on field saying which parts are wrong
// and the expected shape.
func ValidateCNR(field, cnr string, thisYear int) (string, errs.Violations) {
	var v errs.Violations
	cnr = NormaliseCNR(cnr)
	if cnr == "" {
		return "", nil
	}
	if n := utf8.RuneCountInString(cnr); n != CNRLength {
		v.Add(field, "must be %d characters: %s; got %d characters", CNRLength, cnrShape, n)
		return cnr, v
	}
	runes := []rune(cnr)
	var problems []string
	for _, p := range cnrParts {
		part := string(runes[p.from:p.to])
		if !allRunes(part, p.ok) {
			problems = append(problems, fmt.Sprintf("the %s (characters %d-%d) must be %s; got %q", p.name, p.from+1, p.to, p.class, part))
			continue
		}
		if p.name == "year" {
			year, _ := strconv.Atoi(part) // four digits always parse
			if year < MinCNRYear || year > thisYear {
				problems = append(problems, fmt.Sprintf("the year (characters 13-16) must be a year of filing from %d to %d; got %s", MinCNRYear, thisYear, part))
			}
		}
	}
	if len(problems) > 0 {
		v.Add(field, "%s; expected %s", strings.Join(problems, "; "), cnrShape)
	}
	return cnr, v
}

func allRunes(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}
