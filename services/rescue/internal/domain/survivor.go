package domain

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

// Gender is a survivor's gender in the Human Trafficking Case Data Standard vocabulary.
type Gender string

// The genders.
const (
	GenderFemale                     Gender = "FEMALE"
	GenderMale                       Gender = "MALE"
	GenderTransgenderOrNonconforming Gender = "TRANSGENDER_OR_NONCONFORMING"
	GenderUnknown                    Gender = "UNKNOWN"
)

// Genders lists every gender.
var Genders = enumeration[Gender]{GenderFemale, GenderMale, GenderTransgenderOrNonconforming, GenderUnknown}

// MeansOfControl is how a trafficker controlled a survivor (CTDC vocabulary).
type MeansOfControl string

// The means of control.
const (
	ControlDebtBondage              MeansOfControl = "DEBT_BONDAGE"
	ControlTakesEarnings            MeansOfControl = "TAKES_EARNINGS"
	ControlRestrictsFinancialAccess MeansOfControl = "RESTRICTS_FINANCIAL_ACCESS"
	ControlThreats                  MeansOfControl = "THREATS"
	ControlPsychologicalAbuse       MeansOfControl = "PSYCHOLOGICAL_ABUSE"
	ControlPhysicalAbuse            MeansOfControl = "PHYSICAL_ABUSE"
	ControlSexualAbuse              MeansOfControl = "SEXUAL_ABUSE"
	ControlFalsePromises            MeansOfControl = "FALSE_PROMISES"
	ControlPsychoactiveSubstances   MeansOfControl = "PSYCHOACTIVE_SUBSTANCES"
	ControlRestrictsMovement        MeansOfControl = "RESTRICTS_MOVEMENT"
	ControlRestrictsMedicalCare     MeansOfControl = "RESTRICTS_MEDICAL_CARE"
	ControlExcessiveWorkingHours    MeansOfControl = "EXCESSIVE_WORKING_HOURS"
	ControlUsesChildren             MeansOfControl = "USES_CHILDREN"
	ControlThreatOfLawEnforcement   MeansOfControl = "THREAT_OF_LAW_ENFORCEMENT"
	ControlWithholdsNecessities     MeansOfControl = "WITHHOLDS_NECESSITIES"
	ControlWithholdsDocuments       MeansOfControl = "WITHHOLDS_DOCUMENTS"
	ControlOther                    MeansOfControl = "OTHER"
)

// MeansOfControlValues lists every means of control.
var MeansOfControlValues = enumeration[MeansOfControl]{
	ControlDebtBondage, ControlTakesEarnings, ControlRestrictsFinancialAccess, ControlThreats,
	ControlPsychologicalAbuse, ControlPhysicalAbuse, ControlSexualAbuse, ControlFalsePromises,
	ControlPsychoactiveSubstances, ControlRestrictsMovement, ControlRestrictsMedicalCare,
	ControlExcessiveWorkingHours, ControlUsesChildren, ControlThreatOfLawEnforcement,
	ControlWithholdsNecessities, ControlWithholdsDocuments, ControlOther,
}

// RecruiterRelation is the survivor's relation to the recruiter (CTDC vocabulary).
// The empty value means not recorded.
type RecruiterRelation string

// The recruiter relations.
const (
	RecruiterIntimatePartner RecruiterRelation = "INTIMATE_PARTNER"
	RecruiterFriend          RecruiterRelation = "FRIEND"
	RecruiterFamily          RecruiterRelation = "FAMILY"
	RecruiterOther           RecruiterRelation = "OTHER"
	RecruiterUnknown         RecruiterRelation = "UNKNOWN"
)

// RecruiterRelations lists every recruiter relation.
var RecruiterRelations = enumeration[RecruiterRelation]{
	RecruiterIntimatePartner, RecruiterFriend, RecruiterFamily, RecruiterOther, RecruiterUnknown,
}

// LawfulBasis is the ground on which a survivor's data is processed (DPDP Act 2023).
type LawfulBasis string

// The lawful bases.
const (
	BasisConsent                 LawfulBasis = "CONSENT"
	BasisChildProtectionUnderLaw LawfulBasis = "CHILD_PROTECTION_UNDER_LAW"
	BasisProsecutionOfOffence    LawfulBasis = "PROSECUTION_OF_OFFENCE"
	BasisLegalObligation         LawfulBasis = "LEGAL_OBLIGATION"
)

// LawfulBases lists every lawful basis.
var LawfulBases = enumeration[LawfulBasis]{
	BasisConsent, BasisChildProtectionUnderLaw, BasisProsecutionOfOffence, BasisLegalObligation,
}

// MinorLawfulBases are the bases that allow processing a child's data without
// consent (DPDP Act s.9 exemptions: child protection under law, prosecution).
var MinorLawfulBases = enumeration[LawfulBasis]{BasisChildProtectionUnderLaw, BasisProsecutionOfOffence}

// AdultLawfulBases are the bases valid for an adult. Child protection under
// law (the Juvenile Justice Act) does not reach adults.
var AdultLawfulBases = enumeration[LawfulBasis]{BasisConsent, BasisProsecutionOfOffence, BasisLegalObligation}

// CWCStatus is where a minor's production before the Child Welfare Committee stands.
type CWCStatus string

// The CWC production statuses.
const (
	CWCNotRequired  CWCStatus = "NOT_REQUIRED"
	CWCPending      CWCStatus = "PENDING"
	CWCOverdue      CWCStatus = "OVERDUE"
	CWCProduced     CWCStatus = "PRODUCED"
	CWCProducedLate CWCStatus = "PRODUCED_LATE"
)

// CWCStatuses lists every CWC production status.
var CWCStatuses = enumeration[CWCStatus]{CWCNotRequired, CWCPending, CWCOverdue, CWCProduced, CWCProducedLate}

// Survivor limits.
const (
	// AdultAge is the age from which a survivor is not a minor.
	AdultAge = 18
	// MaxAge bounds age_at_rescue.
	MaxAge = 120
	// CWCProductionWindow is how soon after rescue a minor must be produced
	// before the Child Welfare Committee (JJ Act 2015 s.31).
	CWCProductionWindow = 24 * time.Hour

	MaxPseudonymLength     = 100
	MaxLegalNameLength     = 200
	MaxFamilyContactLength = 500
	MaxAddressLength       = 500
	MaxOriginRegionLength  = 100
	MaxLanguages           = 10
	MaxLanguageTagLength   = 35
	MaxLegalBasisReference = 200
	// MaxPhotoBytes bounds a survivor's photo (JPEG or PNG).
	MaxPhotoBytes          = 262144
	maxDateOfBirthAgeSlack = 1
)

// Date is a calendar date with no time zone, e.g. a date of birth.
type Date = record.Date

// LegalBasis records the lawful basis for processing a survivor's data.
type LegalBasis struct {
	// Basis is which basis applies. Required.
	Basis LawfulBasis
	// Reference documents it: an order, FIR or consent form number. Required.
	Reference string
}

// SurvivorFields are the caller-controlled fields of a survivor. LegalName,
// DateOfBirth, FamilyContact, Address and Photo are protected identity
// (SurvivorIdentityFields): never logged, traced, or echoed in errors
// (validation messages do not quote them), encrypted at rest, shown only to
// roles that need them, and erasable (Survivor.EraseIdentity).
type SurvivorFields struct {
	// Pseudonym is the name used everywhere. Required.
	Pseudonym string
	// LegalName is protected identity.
	LegalName string
	// DateOfBirth is protected identity; nil when unknown.
	DateOfBirth *Date
	// FamilyContact is protected identity.
	FamilyContact string
	// Address is protected identity.
	Address string
	// Photo is protected identity: a JPEG or PNG of at most MaxPhotoBytes.
	Photo []byte
	// AgeAtRescue is the age in whole years at rescue, 0 to MaxAge.
	AgeAtRescue int
	// Gender is required.
	Gender Gender
	// Citizenship is an ISO 3166-1 alpha-2 country code. Required.
	Citizenship string
	// OriginRegion is the region of origin within the country.
	OriginRegion string
	// Languages are BCP 47 tags; at most MaxLanguages, no duplicates.
	Languages []string
	// RescueTime is when the survivor was rescued. Required; not in the future.
	RescueTime time.Time
	// MeansOfControl lists how the survivor was controlled; no duplicates.
	MeansOfControl []MeansOfControl
	// RecruiterRelation is the relation to the recruiter; empty when not recorded.
	RecruiterRelation RecruiterRelation
	// LegalBasis is the lawful basis for processing. Required.
	LegalBasis LegalBasis
	// CWCProductionTime is when a minor was produced before the Child Welfare
	// Committee; zero when not (yet). Only for minors.
	CWCProductionTime time.Time
}

var (
	citizenshipPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	languagePattern    = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
)

// Minor reports whether the survivor was under 18 at rescue.
func (f SurvivorFields) Minor() bool { return f.AgeAtRescue < AdultAge }

// Validate checks the fields against the server time now; tz is the owning
// office's time zone, in which the rescue day is compared with the date of
// birth (nil means UTC). prefix is the request path of the survivor.
//
// Validate reports invalid input only. Whether the legal basis fits a minor
// or an adult is CheckLegalBasis's question, asked once the input is valid.
func (f SurvivorFields) Validate(prefix string, now time.Time, tz *time.Location) errs.Violations {
	var v errs.Violations
	p := prefix + "."
	if checkRequired(&v, p+"pseudonym", f.Pseudonym) {
		checkMaxLen(&v, p+"pseudonym", f.Pseudonym, MaxPseudonymLength, true)
	}
	checkMaxLen(&v, p+"legal_name", f.LegalName, MaxLegalNameLength, false)
	checkMaxLen(&v, p+"family_contact", f.FamilyContact, MaxFamilyContactLength, false)
	checkMaxLen(&v, p+"address", f.Address, MaxAddressLength, false)
	validatePhoto(&v, p+"photo", f.Photo)
	ageOK := f.AgeAtRescue >= 0 && f.AgeAtRescue <= MaxAge
	if !ageOK {
		v.Add(p+"age_at_rescue", "must be between 0 and %d; got %d", MaxAge, f.AgeAtRescue)
	}
	checkEnum(&v, p+"gender", f.Gender, Genders)
	f.validateCitizenship(&v, p+"citizenship")
	checkMaxLen(&v, p+"origin_region", f.OriginRegion, MaxOriginRegionLength, true)
	f.validateLanguages(&v, p+"languages")
	rescueOK := !f.RescueTime.IsZero()
	if rescueOK {
		checkPast(&v, p+"rescue_time", f.RescueTime, now)
	} else {
		v.Add(p+"rescue_time", "is required")
	}
	f.validateMeansOfControl(&v, p+"means_of_control")
	if f.RecruiterRelation != "" {
		checkEnum(&v, p+"recruiter_relation", f.RecruiterRelation, RecruiterRelations)
	}
	checkEnum(&v, p+"legal_basis.basis", f.LegalBasis.Basis, LawfulBases)
	if checkRequired(&v, p+"legal_basis.reference", f.LegalBasis.Reference) {
		checkMaxLen(&v, p+"legal_basis.reference", f.LegalBasis.Reference, MaxLegalBasisReference, true)
	}
	if f.DateOfBirth != nil {
		f.validateDateOfBirth(&v, p+"date_of_birth", rescueOK, ageOK, tz)
	}
	if !f.CWCProductionTime.IsZero() {
		field := p + "cwc_production_time"
		switch {
		case ageOK && !f.Minor():
			v.Add(field, "may be set only for minors (age_at_rescue under %d); clear it for an adult", AdultAge)
		case rescueOK && f.CWCProductionTime.Before(f.RescueTime):
			v.Add(field, "must not be before rescue_time")
		default:
			checkPast(&v, field, f.CWCProductionTime, now)
		}
	}
	return v
}

// Image signatures a photo may start with.
var (
	jpegSignature = []byte{0xFF, 0xD8, 0xFF}
	pngSignature  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}
)

// validatePhoto checks the protected photo's size and format. Messages never
// describe its content.
func validatePhoto(v *errs.Violations, field string, photo []byte) {
	if len(photo) == 0 {
		return
	}
	if len(photo) > MaxPhotoBytes {
		v.Add(field, "must be at most %d bytes", MaxPhotoBytes)
		return
	}
	if !bytes.HasPrefix(photo, jpegSignature) && !bytes.HasPrefix(photo, pngSignature) {
		v.Add(field, "must be a JPEG or PNG image")
	}
}

// IdentityKey returns what a duplicate search compares: the legal name and
// the date of birth as YYYY-MM-DD. ok is false unless both are recorded.
// The repository indexes them by keyed hash (a blind index), after
// normalising case, spacing and punctuation; never in clear.
func (f SurvivorFields) IdentityKey() (legalName, dateOfBirth string, ok bool) {
	if strings.TrimSpace(f.LegalName) == "" || f.DateOfBirth == nil {
		return "", "", false
	}
	return f.LegalName, f.DateOfBirth.ISO(), true
}

// hasIdentity reports whether field is a protected identity field holding a value in f.
func (f SurvivorFields) hasIdentity(field SurvivorField) bool {
	switch field {
	case SurvivorFieldLegalName:
		return f.LegalName != ""
	case SurvivorFieldDateOfBirth:
		return f.DateOfBirth != nil
	case SurvivorFieldFamilyContact:
		return f.FamilyContact != ""
	case SurvivorFieldAddress:
		return f.Address != ""
	case SurvivorFieldPhoto:
		return len(f.Photo) > 0
	default:
		return false
	}
}

// IdentitySet lists the protected identity fields that hold a value, in
// the order of SurvivorIdentityFields.
func (f SurvivorFields) IdentitySet() []SurvivorField {
	var set []SurvivorField
	for _, field := range SurvivorIdentityFields {
		if f.hasIdentity(field) {
			set = append(set, field)
		}
	}
	return set
}

func (f SurvivorFields) validateCitizenship(v *errs.Violations, field string) {
	c := f.Citizenship
	if c == "" {
		v.Add(field, "is required; an ISO 3166-1 alpha-2 country code in upper case, e.g. IN, NP, BD")
		return
	}
	if !citizenshipPattern.MatchString(c) {
		v.Add(field, "must be an ISO 3166-1 alpha-2 country code in upper case, e.g. IN, NP, BD; got %q", truncate(c, 10))
		return
	}
	r, err := language.ParseRegion(c)
	if err != nil || !r.IsCountry() || r.String() != c {
		v.Add(field, "must be an assigned ISO 3166-1 alpha-2 country code, e.g. IN, NP, BD; got %q", c)
	}
}

func (f SurvivorFields) validateLanguages(v *errs.Violations, field string) {
	if len(f.Languages) > MaxLanguages {
		v.Add(field, "must list at most %d languages; got %d", MaxLanguages, len(f.Languages))
		return
	}
	seen := make(map[string]bool, len(f.Languages))
	for i, tag := range f.Languages {
		if len(tag) > MaxLanguageTagLength || !languagePattern.MatchString(tag) {
			v.Add(field, "entry %d must be a BCP 47 language tag such as hi, bn, ne or en-IN; got %q", i, truncate(tag, 40))
			continue
		}
		if _, err := language.Parse(tag); err != nil {
			v.Add(field, "entry %d must be a well-formed BCP 47 language tag such as hi, bn, ne or en-IN; got %q", i, tag)
			continue
		}
		key := strings.ToLower(tag)
		if seen[key] {
			v.Add(field, "entry %d repeats %q; list each language once", i, tag)
		}
		seen[key] = true
	}
}

func (f SurvivorFields) validateMeansOfControl(v *errs.Violations, field string) {
	seen := make(map[MeansOfControl]bool, len(f.MeansOfControl))
	for i, m := range f.MeansOfControl {
		if !MeansOfControlValues.Contains(m) {
			if m == "" {
				v.Add(field, "entry %d must be one of %s; UNSPECIFIED is not a value", i, MeansOfControlValues)
			} else {
				v.Add(field, "entry %d must be one of %s; got %s", i, MeansOfControlValues, m)
			}
			continue
		}
		if seen[m] {
			v.Add(field, "entry %d repeats %s; list each means of control once", i, m)
		}
		seen[m] = true
	}
}

// validateDateOfBirth checks the protected date of birth. Messages never
// contain the date, nor the age it implies.
func (f SurvivorFields) validateDateOfBirth(v *errs.Violations, field string, rescueOK, ageOK bool, tz *time.Location) {
	dob := *f.DateOfBirth
	if !dob.Valid() {
		v.Add(field, "must be a valid calendar date with year, month and day")
		return
	}
	if !rescueOK {
		return
	}
	if tz == nil {
		tz = time.UTC
	}
	rt := f.RescueTime.In(tz)
	rescueDay := Date{Year: rt.Year(), Month: int(rt.Month()), Day: rt.Day()}
	if rescueDay.Before(dob) {
		v.Add(field, "must not be after the day of rescue")
		return
	}
	if !ageOK {
		return
	}
	if d := dob.AgeOn(rescueDay) - f.AgeAtRescue; d > maxDateOfBirthAgeSlack || d < -maxDateOfBirthAgeSlack {
		v.Add(field, "disagrees with age_at_rescue by more than %d year; correct one of them", maxDateOfBirthAgeSlack)
	}
}

// CheckLegalBasis fails with FAILED_PRECONDITION when the lawful basis does
// not fit the survivor's age: a minor's data may be processed only for child
// protection under law or for prosecution of an offence (reason
// LEGAL_BASIS_REQUIRED); child protection under law does not apply to an
// adult (reason LEGAL_BASIS_NOT_APPLICABLE).
func (f SurvivorFields) CheckLegalBasis() error {
	b := f.LegalBasis.Basis
	if f.Minor() {
		if MinorLawfulBases.Contains(b) {
			return nil
		}
		return errs.FailedPrecondition("LEGAL_BASIS_REQUIRED",
			"a minor's data (age_at_rescue under %d) may be processed only on legal_basis %s; got %s",
			AdultAge, strings.Join([]string{string(BasisChildProtectionUnderLaw), string(BasisProsecutionOfOffence)}, " or "), b).
			WithMetadata("allowed_bases", MinorLawfulBases.String())
	}
	if AdultLawfulBases.Contains(b) {
		return nil
	}
	return errs.FailedPrecondition("LEGAL_BASIS_NOT_APPLICABLE",
		"legal_basis %s applies only to minors; for an adult use one of %s", b, AdultLawfulBases).
		WithMetadata("allowed_bases", AdultLawfulBases.String())
}

func (f *SurvivorFields) normalise() {
	f.RescueTime = Timestamp(f.RescueTime)
	f.CWCProductionTime = Timestamp(f.CWCProductionTime)
}

// SurvivorField names a field that an update may change. The operation, the
// name and every derived field are not among them.
type SurvivorField string

// The updatable survivor fields, named as in the API.
const (
	SurvivorFieldPseudonym           SurvivorField = "pseudonym"
	SurvivorFieldLegalName           SurvivorField = "legal_name"
	SurvivorFieldDateOfBirth         SurvivorField = "date_of_birth"
	SurvivorFieldFamilyContact       SurvivorField = "family_contact"
	SurvivorFieldAddress             SurvivorField = "address"
	SurvivorFieldPhoto               SurvivorField = "photo"
	SurvivorFieldAgeAtRescue         SurvivorField = "age_at_rescue"
	SurvivorFieldGender              SurvivorField = "gender"
	SurvivorFieldCitizenship         SurvivorField = "citizenship"
	SurvivorFieldOriginRegion        SurvivorField = "origin_region"
	SurvivorFieldLanguages           SurvivorField = "languages"
	SurvivorFieldRescueTime          SurvivorField = "rescue_time"
	SurvivorFieldMeansOfControl      SurvivorField = "means_of_control"
	SurvivorFieldRecruiterRelation   SurvivorField = "recruiter_relation"
	SurvivorFieldLegalBasis          SurvivorField = "legal_basis"
	SurvivorFieldLegalBasisBasis     SurvivorField = "legal_basis.basis"
	SurvivorFieldLegalBasisReference SurvivorField = "legal_basis.reference"
	SurvivorFieldCWCProductionTime   SurvivorField = "cwc_production_time"
)

// SurvivorUpdatableFields lists the fields UpdateSurvivor accepts in its mask.
var SurvivorUpdatableFields = []SurvivorField{
	SurvivorFieldPseudonym, SurvivorFieldLegalName, SurvivorFieldDateOfBirth, SurvivorFieldFamilyContact,
	SurvivorFieldAddress, SurvivorFieldPhoto, SurvivorFieldAgeAtRescue, SurvivorFieldGender, SurvivorFieldCitizenship,
	SurvivorFieldOriginRegion, SurvivorFieldLanguages, SurvivorFieldRescueTime, SurvivorFieldMeansOfControl,
	SurvivorFieldRecruiterRelation, SurvivorFieldLegalBasis, SurvivorFieldLegalBasisBasis,
	SurvivorFieldLegalBasisReference, SurvivorFieldCWCProductionTime,
}

// SurvivorIdentityFields are the protected identity fields: encrypted at
// rest, returned only to roles that need them, set only by those roles, and
// erased by EraseIdentity.
var SurvivorIdentityFields = []SurvivorField{
	SurvivorFieldLegalName, SurvivorFieldDateOfBirth, SurvivorFieldFamilyContact, SurvivorFieldAddress, SurvivorFieldPhoto,
}

// IsIdentityField reports whether f is a protected identity field.
func IsIdentityField(f SurvivorField) bool { return slices.Contains(SurvivorIdentityFields, f) }

// IdentityErasure records that a survivor's protected identity was erased
// (DPDP Act: erase when the purpose is served). Erasure is final.
type IdentityErasure struct {
	// Time is when the identity was erased.
	Time time.Time
	// Actor is the subject of the caller who erased it.
	Actor string
	// Reason is why the purpose of holding the identity is served.
	Reason string
	// RequestID is the caller's request_id, when one was given, so a retry
	// knows the erasure already applied.
	RequestID string
}

// Survivor is a person rescued in an operation.
type Survivor struct {
	Meta
	SurvivorFields
	// Operation is the resource name of the operation that rescued the
	// survivor, in the same office. Immutable.
	Operation string
	// Erasure is set once the protected identity has been erased; nil while it is kept.
	Erasure *IdentityErasure
}

// NewSurvivor validates the fields and returns a new survivor record. now is
// the server time; tz is the office's time zone. The operation's existence
// and status are the caller's to check.
func NewSurvivor(id, office, operation string, f SurvivorFields, actor string, now time.Time, tz *time.Location) (*Survivor, error) {
	v := f.Validate("survivor", now, tz)
	if operation == "" {
		v.Add("survivor.operation", "is required; format offices/{office}/operations/{operation}")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := f.CheckLegalBasis(); err != nil {
		return nil, err
	}
	f.normalise()
	f.Languages = cloneOrNil(f.Languages)
	f.MeansOfControl = cloneOrNil(f.MeansOfControl)
	f.Photo = cloneOrNil(f.Photo)
	return &Survivor{Meta: newMeta(id, office, actor, now), SurvivorFields: f, Operation: operation}, nil
}

// Name is the survivor's resource name.
func (s *Survivor) Name() string { return Name(s.Office, CollectionSurvivors, s.ID) }

// CWCDeadline is when a minor must have been produced before the Child
// Welfare Committee: 24 hours after rescue. Zero for adults.
func (s *Survivor) CWCDeadline() time.Time {
	if !s.Minor() {
		return time.Time{}
	}
	return s.RescueTime.Add(CWCProductionWindow)
}

// CWCStatus is where the Child Welfare Committee production stands at time
// now. Production at the deadline exactly is on time; a minor not produced is
// OVERDUE once now is past the deadline.
func (s *Survivor) CWCStatus(now time.Time) CWCStatus {
	if !s.Minor() {
		return CWCNotRequired
	}
	deadline := s.CWCDeadline()
	if !s.CWCProductionTime.IsZero() {
		if s.CWCProductionTime.After(deadline) {
			return CWCProducedLate
		}
		return CWCProduced
	}
	if now.After(deadline) {
		return CWCOverdue
	}
	return CWCPending
}

// Update copies the named fields from src, validates the result (including
// the legal basis, which may no longer fit a changed age) and records who
// changed it.
func (s *Survivor) Update(fields []SurvivorField, src SurvivorFields, actor string, now time.Time, tz *time.Location) error {
	if err := s.checkErased(fields, src); err != nil {
		return err
	}
	next := s.SurvivorFields
	for _, f := range fields {
		switch f {
		case SurvivorFieldPseudonym:
			next.Pseudonym = src.Pseudonym
		case SurvivorFieldLegalName:
			next.LegalName = src.LegalName
		case SurvivorFieldDateOfBirth:
			next.DateOfBirth = src.DateOfBirth
		case SurvivorFieldFamilyContact:
			next.FamilyContact = src.FamilyContact
		case SurvivorFieldAddress:
			next.Address = src.Address
		case SurvivorFieldPhoto:
			next.Photo = cloneOrNil(src.Photo)
		case SurvivorFieldAgeAtRescue:
			next.AgeAtRescue = src.AgeAtRescue
		case SurvivorFieldGender:
			next.Gender = src.Gender
		case SurvivorFieldCitizenship:
			next.Citizenship = src.Citizenship
		case SurvivorFieldOriginRegion:
			next.OriginRegion = src.OriginRegion
		case SurvivorFieldLanguages:
			next.Languages = cloneOrNil(src.Languages)
		case SurvivorFieldRescueTime:
			next.RescueTime = src.RescueTime
		case SurvivorFieldMeansOfControl:
			next.MeansOfControl = cloneOrNil(src.MeansOfControl)
		case SurvivorFieldRecruiterRelation:
			next.RecruiterRelation = src.RecruiterRelation
		case SurvivorFieldLegalBasis:
			next.LegalBasis = src.LegalBasis
		case SurvivorFieldLegalBasisBasis:
			next.LegalBasis.Basis = src.LegalBasis.Basis
		case SurvivorFieldLegalBasisReference:
			next.LegalBasis.Reference = src.LegalBasis.Reference
		case SurvivorFieldCWCProductionTime:
			next.CWCProductionTime = src.CWCProductionTime
		default:
			return errs.InvalidArgument("INVALID_UPDATE_MASK", "survivor field "+string(f)+" cannot be updated")
		}
	}
	if err := next.Validate("survivor", now, tz).Err(); err != nil {
		return err
	}
	if err := next.CheckLegalBasis(); err != nil {
		return err
	}
	next.normalise()
	s.SurvivorFields = next
	s.Touch(actor, now)
	return nil
}

// checkErased refuses to set identity again once it was erased: erasure is
// final (clearing a field that is already empty is harmless and allowed).
func (s *Survivor) checkErased(fields []SurvivorField, src SurvivorFields) error {
	if s.Erasure == nil {
		return nil
	}
	for _, f := range fields {
		if IsIdentityField(f) && src.hasIdentity(f) {
			return errs.FailedPrecondition("IDENTITY_ERASED",
				"survivor %s: the protected identity was erased at %s and cannot be set again; %s cannot be updated",
				s.Name(), s.Erasure.Time.Format(time.RFC3339), f).
				WithMetadata("identity_erase_time", s.Erasure.Time.Format(time.RFC3339))
		}
	}
	return nil
}

// EraseIdentity erases the protected identity (legal name, date of birth,
// family contact, address, photo) and records who erased it, when and why.
// The pseudonym and every other field stay, so counts (an operation's
// survivors rescued) do not change. c.Reason is required. Erasing an
// erased survivor is FAILED_PRECONDITION reason ALREADY_ERASED.
func (s *Survivor) EraseIdentity(c Change) error {
	if err := ValidateErasure(c).Err(); err != nil {
		return err
	}
	if s.Erasure != nil {
		return errs.FailedPrecondition("ALREADY_ERASED",
			"survivor %s: the protected identity was already erased at %s", s.Name(), s.Erasure.Time.Format(time.RFC3339)).
			WithMetadata("identity_erase_time", s.Erasure.Time.Format(time.RFC3339))
	}
	s.LegalName, s.DateOfBirth, s.FamilyContact, s.Address, s.Photo = "", nil, "", "", nil
	s.Erasure = &IdentityErasure{Time: Timestamp(c.Time), Actor: c.Actor, Reason: c.Reason, RequestID: c.RequestID}
	s.Touch(c.Actor, c.Time)
	return nil
}

// ValidateErasure checks the caller-supplied part of an erasure: unlike a
// status change, it needs a reason, which stays in the record and the audit trail.
func ValidateErasure(c Change) errs.Violations {
	return c.ValidateWithReason("say why the purpose of holding the identity is served")
}

// ErasedBy reports whether the identity was erased by the request with this
// request_id (so a retry of it is already applied).
func (s *Survivor) ErasedBy(requestID string) bool {
	return requestID != "" && s.Erasure != nil && s.Erasure.RequestID == requestID
}

// Clone returns a deep copy.
func (s *Survivor) Clone() *Survivor {
	c := *s
	if s.DateOfBirth != nil {
		d := *s.DateOfBirth
		c.DateOfBirth = &d
	}
	c.Photo = cloneOrNil(s.Photo)
	if s.Erasure != nil {
		e := *s.Erasure
		c.Erasure = &e
	}
	c.Languages = cloneOrNil(s.Languages)
	c.MeansOfControl = cloneOrNil(s.MeansOfControl)
	return &c
}

func cloneOrNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append([]T(nil), s...)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
