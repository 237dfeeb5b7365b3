package domain_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

var ist = time.FixedZone("IST", 5*3600+1800)

const (
	secretName    = "Secret Legal Name"
	secretContact = "+91 98200 00000 (mother)"
	secretAddress = "12 Hidden Lane, Village X"
)

// validSurvivorFields is a 16-year-old rescued at t0 - 2h, with protected identity set.
func validSurvivorFields() domain.SurvivorFields {
	return domain.SurvivorFields{
		Pseudonym:     "Asha",
		LegalName:     secretName,
		DateOfBirth:   &domain.Date{Year: 2008, Month: 7, Day: 2},
		FamilyContact: secretContact,
		Address:       secretAddress,
		AgeAtRescue:   16,
		Gender:        domain.GenderFemale,
		Citizenship:   "NP",
		OriginRegion:  "Sindhupalchok",
		Languages:     []string{"ne", "hi"},
		RescueTime:    t0.Add(-2 * time.Hour),
		MeansOfControl: []domain.MeansOfControl{
			domain.ControlDebtBondage, domain.ControlWithholdsDocuments,
		},
		RecruiterRelation: domain.RecruiterFriend,
		LegalBasis:        domain.LegalBasis{Basis: domain.BasisChildProtectionUnderLaw, Reference: "CWC order 17/2025"},
	}
}

func newSurvivor(f domain.SurvivorFields) (*domain.Survivor, error) {
	return domain.NewSurvivor("s1", "mumbai", "offices/mumbai/operations/op1", f, "priya", t0, ist)
}

func TestNewSurvivor(t *testing.T) {
	t.Parallel()
	s, err := newSurvivor(validSurvivorFields())
	if err != nil {
		t.Fatal(err)
	}
	if !s.Minor() || s.Name() != "offices/mumbai/survivors/s1" || s.Operation != "offices/mumbai/operations/op1" {
		t.Errorf("survivor = %+v", s)
	}
	if want := t0.Add(22 * time.Hour); !s.CWCDeadline().Equal(want) {
		t.Errorf("deadline = %v, want %v", s.CWCDeadline(), want)
	}
}

func TestSurvivorValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*domain.SurvivorFields)
		field  string
	}{
		{"pseudonym missing", func(f *domain.SurvivorFields) { f.Pseudonym = "" }, "survivor.pseudonym"},
		{"pseudonym too long", func(f *domain.SurvivorFields) { f.Pseudonym = strings.Repeat("a", 101) }, "survivor.pseudonym"},
		{"legal name too long", func(f *domain.SurvivorFields) { f.LegalName = strings.Repeat("a", 201) }, "survivor.legal_name"},
		{"family contact too long", func(f *domain.SurvivorFields) { f.FamilyContact = strings.Repeat("a", 501) }, "survivor.family_contact"},
		{"address too long", func(f *domain.SurvivorFields) { f.Address = strings.Repeat("a", 501) }, "survivor.address"},
		{"age negative", func(f *domain.SurvivorFields) { f.AgeAtRescue = -1; f.DateOfBirth = nil }, "survivor.age_at_rescue"},
		{"age too high", func(f *domain.SurvivorFields) { f.AgeAtRescue = 121; f.DateOfBirth = nil }, "survivor.age_at_rescue"},
		{"gender missing", func(f *domain.SurvivorFields) { f.Gender = "" }, "survivor.gender"},
		{"gender unknown value", func(f *domain.SurvivorFields) { f.Gender = "99" }, "survivor.gender"},
		{"citizenship missing", func(f *domain.SurvivorFields) { f.Citizenship = "" }, "survivor.citizenship"},
		{"citizenship lower case", func(f *domain.SurvivorFields) { f.Citizenship = "np" }, "survivor.citizenship"},
		{"citizenship alpha-3", func(f *domain.SurvivorFields) { f.Citizenship = "NPL" }, "survivor.citizenship"},
		{"citizenship not a country", func(f *domain.SurvivorFields) { f.Citizenship = "EU" }, "survivor.citizenship"},
		{"citizenship private use", func(f *domain.SurvivorFields) { f.Citizenship = "QO" }, "survivor.citizenship"},
		{"origin region too long", func(f *domain.SurvivorFields) { f.OriginRegion = strings.Repeat("a", 101) }, "survivor.origin_region"},
		{"too many languages", func(f *domain.SurvivorFields) {
			f.Languages = []string{"hi", "bn", "ne", "en", "mr", "ta", "te", "kn", "ml", "gu", "pa"}
		}, "survivor.languages"},
		{"language malformed", func(f *domain.SurvivorFields) { f.Languages = []string{"hi", "en_US"} }, "survivor.languages"},
		{"language unknown", func(f *domain.SurvivorFields) { f.Languages = []string{"xx"} }, "survivor.languages"},
		{"language duplicate", func(f *domain.SurvivorFields) { f.Languages = []string{"hi", "HI"} }, "survivor.languages"},
		{"rescue time missing", func(f *domain.SurvivorFields) { f.RescueTime = time.Time{} }, "survivor.rescue_time"},
		{"rescue time in future", func(f *domain.SurvivorFields) { f.RescueTime = t0.Add(domain.ClockSkew + time.Second) }, "survivor.rescue_time"},
		{"means of control unspecified", func(f *domain.SurvivorFields) { f.MeansOfControl = []domain.MeansOfControl{""} }, "survivor.means_of_control"},
		{"means of control unknown", func(f *domain.SurvivorFields) { f.MeansOfControl = []domain.MeansOfControl{"42"} }, "survivor.means_of_control"},
		{"means of control duplicate", func(f *domain.SurvivorFields) {
			f.MeansOfControl = []domain.MeansOfControl{domain.ControlThreats, domain.ControlThreats}
		}, "survivor.means_of_control"},
		{"recruiter relation unknown", func(f *domain.SurvivorFields) { f.RecruiterRelation = "7" }, "survivor.recruiter_relation"},
		{"legal basis missing", func(f *domain.SurvivorFields) { f.LegalBasis.Basis = "" }, "survivor.legal_basis.basis"},
		{"legal basis unknown", func(f *domain.SurvivorFields) { f.LegalBasis.Basis = "9" }, "survivor.legal_basis.basis"},
		{"legal basis reference missing", func(f *domain.SurvivorFields) { f.LegalBasis.Reference = "" }, "survivor.legal_basis.reference"},
		{"legal basis reference too long", func(f *domain.SurvivorFields) { f.LegalBasis.Reference = strings.Repeat("r", 201) }, "survivor.legal_basis.reference"},
		{"dob invalid date", func(f *domain.SurvivorFields) { f.DateOfBirth = &domain.Date{Year: 2009, Month: 2, Day: 29} }, "survivor.date_of_birth"},
		{"dob partial", func(f *domain.SurvivorFields) { f.DateOfBirth = &domain.Date{Year: 2009} }, "survivor.date_of_birth"},
		{"dob month 13", func(f *domain.SurvivorFields) { f.DateOfBirth = &domain.Date{Year: 2009, Month: 13, Day: 1} }, "survivor.date_of_birth"},
		{"dob after rescue", func(f *domain.SurvivorFields) {
			f.AgeAtRescue = 0
			f.DateOfBirth = &domain.Date{Year: 2025, Month: 3, Day: 15}
		}, "survivor.date_of_birth"},
		{"dob two years off the age", func(f *domain.SurvivorFields) { f.DateOfBirth = &domain.Date{Year: 2006, Month: 1, Day: 1} }, "survivor.date_of_birth"},
		{"cwc production for an adult", func(f *domain.SurvivorFields) {
			f.AgeAtRescue = 30
			f.DateOfBirth = nil
			f.LegalBasis.Basis = domain.BasisConsent
			f.CWCProductionTime = t0
		}, "survivor.cwc_production_time"},
		{"cwc production before rescue", func(f *domain.SurvivorFields) { f.CWCProductionTime = f.RescueTime.Add(-time.Second) }, "survivor.cwc_production_time"},
		{"cwc production in future", func(f *domain.SurvivorFields) { f.CWCProductionTime = t0.Add(time.Hour) }, "survivor.cwc_production_time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := validSurvivorFields()
			tc.modify(&f)
			_, err := newSurvivor(f)
			assertViolation(t, err, tc.field)
			assertNoIdentity(t, err)
		})
	}
}

func TestSurvivorValidationAcceptsLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*domain.SurvivorFields)
	}{
		{"no optional fields", func(f *domain.SurvivorFields) {
			f.LegalName, f.DateOfBirth, f.FamilyContact, f.Address, f.OriginRegion = "", nil, "", "", ""
			f.Languages, f.MeansOfControl, f.RecruiterRelation = nil, nil, ""
		}},
		{"ten languages", func(f *domain.SurvivorFields) {
			f.Languages = []string{"hi", "bn", "ne", "en-IN", "mr", "ta", "te", "kn", "ml", "gu"}
		}},
		{"age 0 born on the day of rescue in the office's zone", func(f *domain.SurvivorFields) {
			// 2025-03-14 06:00 IST is still 2025-03-14 00:30 UTC; born that day.
			f.RescueTime = time.Date(2025, 3, 14, 6, 0, 0, 0, ist)
			f.AgeAtRescue = 0
			f.DateOfBirth = &domain.Date{Year: 2025, Month: 3, Day: 14}
		}},
		{"dob one year off the age", func(f *domain.SurvivorFields) { f.DateOfBirth = &domain.Date{Year: 2007, Month: 7, Day: 2} }},
		{"leap day birthday", func(f *domain.SurvivorFields) { f.DateOfBirth = &domain.Date{Year: 2008, Month: 2, Day: 29} }},
		{"age 120 adult", func(f *domain.SurvivorFields) {
			f.AgeAtRescue, f.DateOfBirth, f.LegalBasis.Basis = 120, nil, domain.BasisConsent
		}},
		{"production exactly at rescue", func(f *domain.SurvivorFields) { f.CWCProductionTime = f.RescueTime }},
		{"rescue time within clock skew", func(f *domain.SurvivorFields) { f.RescueTime = t0.Add(domain.ClockSkew) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := validSurvivorFields()
			tc.modify(&f)
			if _, err := newSurvivor(f); err != nil {
				t.Errorf("rejected: %v", err)
			}
		})
	}
}

func TestSurvivorDateOfBirthUsesOfficeTimeZone(t *testing.T) {
	t.Parallel()
	// Rescued at 2025-03-14 02:00 IST, which is 2025-03-13 in UTC. Born 2025-03-14:
	// valid in the office's zone (the rescue day), after the rescue day in UTC.
	f := validSurvivorFields()
	f.RescueTime = time.Date(2025, 3, 14, 2, 0, 0, 0, ist)
	f.AgeAtRescue = 0
	f.DateOfBirth = &domain.Date{Year: 2025, Month: 3, Day: 14}
	if _, err := domain.NewSurvivor("s1", "mumbai", "offices/mumbai/operations/op1", f, "priya", t0, ist); err != nil {
		t.Errorf("in the office zone: %v", err)
	}
	_, err := domain.NewSurvivor("s1", "mumbai", "offices/mumbai/operations/op1", f, "priya", t0, nil)
	assertViolation(t, err, "survivor.date_of_birth")
}

func TestMinorLegalBasis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		age    int
		basis  domain.LawfulBasis
		reason string // empty when allowed
	}{
		{16, domain.BasisChildProtectionUnderLaw, ""},
		{16, domain.BasisProsecutionOfOffence, ""},
		{16, domain.BasisConsent, "LEGAL_BASIS_REQUIRED"},
		{16, domain.BasisLegalObligation, "LEGAL_BASIS_REQUIRED"},
		{0, domain.BasisConsent, "LEGAL_BASIS_REQUIRED"},
		{17, domain.BasisConsent, "LEGAL_BASIS_REQUIRED"},
		{18, domain.BasisConsent, ""},
		{18, domain.BasisProsecutionOfOffence, ""},
		{18, domain.BasisLegalObligation, ""},
		{18, domain.BasisChildProtectionUnderLaw, "LEGAL_BASIS_NOT_APPLICABLE"},
	}
	for _, tc := range tests {
		t.Run(string(tc.basis)+"_age_"+strconv.Itoa(tc.age), func(t *testing.T) {
			t.Parallel()
			f := validSurvivorFields()
			f.AgeAtRescue, f.DateOfBirth, f.LegalBasis.Basis = tc.age, nil, tc.basis
			s, err := newSurvivor(f)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if s.Minor() != (tc.age < 18) {
					t.Errorf("minor = %v for age %d", s.Minor(), tc.age)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindFailedPrecondition || e.Reason != tc.reason {
				t.Fatalf("err = %v, want FAILED_PRECONDITION %s", err, tc.reason)
			}
			assertNoIdentity(t, err)
		})
	}
}

func TestCWCStatus(t *testing.T) {
	t.Parallel()
	rescue := t0.Add(-30 * time.Hour)
	deadline := rescue.Add(24 * time.Hour)
	tests := []struct {
		name       string
		age        int
		production time.Time
		now        time.Time
		want       domain.CWCStatus
	}{
		{"adult", 18, time.Time{}, deadline.Add(time.Hour), domain.CWCNotRequired},
		{"minor just rescued", 17, time.Time{}, rescue, domain.CWCPending},
		{"minor at the deadline", 17, time.Time{}, deadline, domain.CWCPending},
		{"minor a millisecond past the deadline", 17, time.Time{}, deadline.Add(time.Millisecond), domain.CWCOverdue},
		{"produced at the deadline", 17, deadline, deadline.Add(time.Hour), domain.CWCProduced},
		{"produced early, checked later", 17, rescue.Add(time.Hour), deadline.Add(48 * time.Hour), domain.CWCProduced},
		{"produced a millisecond late", 17, deadline.Add(time.Millisecond), deadline.Add(time.Hour), domain.CWCProducedLate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := validSurvivorFields()
			f.AgeAtRescue, f.DateOfBirth, f.RescueTime, f.CWCProductionTime = tc.age, nil, rescue, tc.production
			if tc.age >= 18 {
				f.LegalBasis.Basis = domain.BasisConsent
			}
			s, err := newSurvivor(f)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.CWCStatus(tc.now); got != tc.want {
				t.Errorf("CWCStatus = %s, want %s", got, tc.want)
			}
			if tc.age >= 18 && !s.CWCDeadline().IsZero() {
				t.Errorf("adult has a deadline %v", s.CWCDeadline())
			}
		})
	}
}

func TestSurvivorUpdate(t *testing.T) {
	t.Parallel()
	base := func(t *testing.T) *domain.Survivor {
		s, err := newSurvivor(validSurvivorFields())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("records production", func(t *testing.T) {
		t.Parallel()
		s := base(t)
		err := s.Update([]domain.SurvivorField{domain.SurvivorFieldCWCProductionTime}, domain.SurvivorFields{CWCProductionTime: t0}, "meera", t0, ist)
		if err != nil || !s.CWCProductionTime.Equal(t0) || s.CWCStatus(t0) != domain.CWCProduced || s.UpdatedBy != "meera" {
			t.Errorf("err %v, production %v, status %s", err, s.CWCProductionTime, s.CWCStatus(t0))
		}
	})
	t.Run("age to minor requires a minor's basis", func(t *testing.T) {
		t.Parallel()
		f := validSurvivorFields()
		f.AgeAtRescue, f.DateOfBirth, f.LegalBasis.Basis = 25, nil, domain.BasisConsent
		s, err := newSurvivor(f)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Update([]domain.SurvivorField{domain.SurvivorFieldAgeAtRescue}, domain.SurvivorFields{AgeAtRescue: 15}, "meera", t0, ist)
		if e, ok := errs.As(err); !ok || e.Reason != "LEGAL_BASIS_REQUIRED" {
			t.Fatalf("err = %v, want LEGAL_BASIS_REQUIRED", err)
		}
		if s.AgeAtRescue != 25 {
			t.Errorf("failed update changed the record")
		}
		err = s.Update([]domain.SurvivorField{domain.SurvivorFieldAgeAtRescue, domain.SurvivorFieldLegalBasisBasis},
			domain.SurvivorFields{AgeAtRescue: 15, LegalBasis: domain.LegalBasis{Basis: domain.BasisProsecutionOfOffence}}, "meera", t0, ist)
		if err != nil || !s.Minor() || s.LegalBasis.Reference != "CWC order 17/2025" {
			t.Errorf("err %v, minor %v, basis %+v", err, s.Minor(), s.LegalBasis)
		}
	})
	t.Run("clears a field", func(t *testing.T) {
		t.Parallel()
		s := base(t)
		err := s.Update([]domain.SurvivorField{domain.SurvivorFieldLegalName, domain.SurvivorFieldDateOfBirth}, domain.SurvivorFields{}, "meera", t0, ist)
		if err != nil || s.LegalName != "" || s.DateOfBirth != nil {
			t.Errorf("err %v, legal name cleared %v, dob cleared %v", err, s.LegalName == "", s.DateOfBirth == nil)
		}
	})
	t.Run("invalid update leaves the record", func(t *testing.T) {
		t.Parallel()
		s := base(t)
		before := s.Clone()
		err := s.Update([]domain.SurvivorField{domain.SurvivorFieldPseudonym}, domain.SurvivorFields{}, "meera", t0, ist)
		assertViolation(t, err, "survivor.pseudonym")
		if s.Pseudonym != before.Pseudonym || s.UpdatedBy != before.UpdatedBy {
			t.Errorf("record changed")
		}
	})
}

// assertNoIdentity fails if an error message or violation carries protected identity.
func assertNoIdentity(t *testing.T, err error) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		return
	}
	texts := []string{e.Message}
	for _, v := range e.Violations {
		texts = append(texts, v.Description)
	}
	for _, m := range e.Metadata {
		texts = append(texts, m)
	}
	for _, text := range texts {
		for _, secret := range []string{secretName, secretContact, secretAddress, "2008", "2006", "2009"} {
			if strings.Contains(text, secret) {
				t.Errorf("error text %q contains protected identity %q", text, secret)
			}
		}
	}
}
