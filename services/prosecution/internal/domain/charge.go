package domain

import (
	"fmt"
	"slices"
	"strings"

	"github.com/justiceops/justice/services/platform/errs"
)

// Statute is an Act under which trafficking offences are charged.
type Statute string

// The statutes.
const (
	// StatuteITPA is the Immoral Traffic (Prevention) Act 1956; both regimes.
	StatuteITPA Statute = "ITPA"
	// StatuteIPC is the Indian Penal Code 1860; offences before 2024-07-01.
	StatuteIPC Statute = "IPC"
	// StatuteBNS is the Bharatiya Nyaya Sanhita 2023; offences on or after 2024-07-01.
	StatuteBNS Statute = "BNS"
	// StatutePOCSO is the Protection of Children from Sexual Offences Act 2012; both regimes.
	StatutePOCSO Statute = "POCSO"
)

// Statutes lists every statute.
var Statutes = enumeration[Statute]{StatuteITPA, StatuteIPC, StatuteBNS, StatutePOCSO}

// BNSFrom is the first day of the BNS regime: an offence on or after it is
// charged under BNS, an earlier one under IPC (the penal code in force when
// the offence was committed applies).
var BNSFrom = Date{Year: 2024, Month: 7, Day: 1}

// sections is the closed list of sections accepted for each statute, in the
// order messages list them.
var sections = map[Statute][]string{
	StatuteITPA:  {"3", "4", "5", "6", "7", "8", "9"},
	StatuteIPC:   {"370", "370A", "372", "373"},
	StatuteBNS:   {"143", "144", "98", "99"},
	StatutePOCSO: {"3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "14", "17"},
}

// ipcToBNS maps each IPC section to the BNS section that replaced it:
// trafficking (370 -> 143), exploiting a trafficked person (370A -> 144),
// selling a minor (372 -> 98), buying a minor (373 -> 99).
var ipcToBNS = map[string]string{"370": "143", "370A": "144", "372": "98", "373": "99"}

var bnsToIPC = func() map[string]string {
	m := make(map[string]string, len(ipcToBNS))
	for ipc, bns := range ipcToBNS {
		m[bns] = ipc
	}
	return m
}()

// Sections returns the sections accepted for the statute; a fresh slice,
// empty for an unknown statute.
func Sections(s Statute) []string { return slices.Clone(sections[s]) }

// Counterpart returns the section of the other penal code (IPC <-> BNS) that
// corresponds to statute and section; ok is false for ITPA, POCSO and
// sections outside the list.
func Counterpart(statute Statute, section string) (Statute, string, bool) {
	switch statute {
	case StatuteIPC:
		if s, ok := ipcToBNS[section]; ok {
			return StatuteBNS, s, true
		}
	case StatuteBNS:
		if s, ok := bnsToIPC[section]; ok {
			return StatuteIPC, s, true
		}
	}
	return "", "", false
}

// PenalCodeFor returns the penal code that applies to an offence committed
// on the given date: BNS on or after BNSFrom, IPC before.
func PenalCodeFor(offence Date) Statute {
	if offence.Before(BNSFrom) {
		return StatuteIPC
	}
	return StatuteBNS
}

// Limits of charges.
const (
	// MaxCharges bounds the charges of a case.
	MaxCharges = 50
	// maxSectionEcho is how much of an unknown section a message repeats.
	maxSectionEcho = 10
)

// Charge is one offence charged (or, before the chargesheet, alleged in the
// FIR): a section of a statute and the date of the offence.
type Charge struct {
	// Statute is the Act. Required.
	Statute Statute
	// Section is the section as written in the Act, e.g. "370A". Required,
	// in the closed list of Sections(Statute); stored in upper case.
	Section string
	// OffenceDate is the date of the offence (its first day if it
	// continued). Required; not in the future, not after the FIR date.
	// It decides the penal code (PenalCodeFor).
	OffenceDate Date
}

// normaliseSection trims a section and puts its letters in upper case, so
// "370a" and " 370A " both become "370A".
func normaliseSection(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// validateCharges checks the charges of a case; field is their request path
// (e.g. "case.charges"), firDate the case's FIR date when valid (zero when
// not known), today the office's today. Sections must already be normalised.
func validateCharges(v *errs.Violations, field string, charges []Charge, firDate, today Date) {
	if len(charges) > MaxCharges {
		v.Add(field, "must list at most %d charges; got %d", MaxCharges, len(charges))
		return
	}
	for i, c := range charges {
		p := fmt.Sprintf("%s[%d]", field, i)
		dateOK := checkPastDate(v, p+".offence_date", c.OffenceDate, true, today)
		if dateOK && !firDate.IsZero() && c.OffenceDate.After(firDate) {
			v.Add(p+".offence_date", "must not be after the FIR date (%s): an FIR reports offences already committed", firDate.ISO())
		}
		checkEnum(v, p+".statute", c.Statute, Statutes)
		if !Statutes.Contains(c.Statute) {
			continue
		}
		known := slices.Contains(sections[c.Statute], c.Section)
		if !known {
			if c.Section == "" {
				v.Add(p+".section", "is required; for %s one of %s", c.Statute, strings.Join(sections[c.Statute], ", "))
			} else {
				v.Add(p+".section", "must be one of %s for %s; got %q",
					strings.Join(sections[c.Statute], ", "), c.Statute, truncate(c.Section, maxSectionEcho))
			}
		}
		if dateOK {
			checkRegime(v, p+".statute", c, known)
		}
		if j := slices.IndexFunc(charges[:i], func(d Charge) bool { return d == c }); j >= 0 {
			v.Add(p, "repeats %s[%d] (same statute, section and offence date); list each charge once", field, j)
		}
	}
}

// checkRegime records a violation when a penal-code charge is under the code
// that did not apply on the offence date, naming the section to use instead.
func checkRegime(v *errs.Violations, field string, c Charge, knownSection bool) {
	if c.Statute != StatuteIPC && c.Statute != StatuteBNS {
		return
	}
	want := PenalCodeFor(c.OffenceDate)
	if c.Statute == want {
		return
	}
	why := "BNS replaced IPC for offences on or after " + BNSFrom.ISO()
	if want == StatuteIPC {
		why = "BNS applies only to offences on or after " + BNSFrom.ISO() + "; IPC to earlier ones"
	}
	if _, section, ok := Counterpart(c.Statute, c.Section); ok && knownSection {
		v.Add(field, "an offence on %s is charged under %s: use %s %s instead of %s %s (%s)",
			c.OffenceDate.ISO(), want, want, section, c.Statute, c.Section, why)
		return
	}
	v.Add(field, "an offence on %s is charged under %s, not %s (%s)", c.OffenceDate.ISO(), want, c.Statute, why)
}
