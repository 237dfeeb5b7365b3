package mongodb

import (
	"fmt"
	"time"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// The stored forms of the records. Field names are the API's snake_case
// names, so filters and order_by map one to one. Every document embeds
// docstore.MetaFields: _id, office (part of every filter), audit fields and
// version (optimistic concurrency). Operations and survivors, which feed
// the metric counters, also carry their counters bookkeeping ("counters", a
// counters.State): what the counters reflect of the record and the changes
// not yet applied to them.

type locationDoc struct {
	Meta        docstore.MetaFields      `bson:",inline"`
	DisplayName string                   `bson:"display_name"`
	Type        string                   `bson:"type"`
	Area        string                   `bson:"area"`
	District    string                   `bson:"district"`
	Notes       string                   `bson:"notes"`
	Status      string                   `bson:"status"`
	Transitions []docstore.TransitionDoc `bson:"transitions"`
}

func toLocationDoc(l *domain.Location) *locationDoc {
	return &locationDoc{
		Meta: docstore.FromMeta(l.Meta), DisplayName: l.DisplayName, Type: string(l.Type), Area: l.Area,
		District: l.District, Notes: l.Notes, Status: string(l.Status), Transitions: docstore.FromTransitions(l.Transitions),
	}
}

func fromLocationDoc(d *locationDoc) *domain.Location {
	return &domain.Location{
		Meta: d.Meta.ToMeta(),
		LocationFields: domain.LocationFields{
			DisplayName: d.DisplayName, Type: domain.LocationType(d.Type), Area: d.Area, District: d.District, Notes: d.Notes,
		},
		Status:      domain.LocationStatus(d.Status),
		Transitions: docstore.ToTransitions[domain.LocationStatus](d.Transitions),
	}
}

type operationDoc struct {
	Meta                docstore.MetaFields      `bson:",inline"`
	Location            string                   `bson:"location"`
	PlannedTime         time.Time                `bson:"planned_time"`
	ConductTime         *time.Time               `bson:"conduct_time,omitempty"`
	PoliceUnit          string                   `bson:"police_unit"`
	FIRNumber           string                   `bson:"fir_number"`
	LegalBasis          string                   `bson:"legal_basis"`
	Notes               string                   `bson:"notes"`
	Status              string                   `bson:"status"`
	SuspectsApprehended int                      `bson:"suspects_apprehended"`
	Transitions         []docstore.TransitionDoc `bson:"transitions"`
	Counters            counters.State           `bson:"counters"`
}

func toOperationDoc(o *domain.Operation) *operationDoc {
	return &operationDoc{
		Meta: docstore.FromMeta(o.Meta), Location: o.Location, PlannedTime: o.PlannedTime, ConductTime: docstore.OptionalTime(o.ConductTime),
		PoliceUnit: o.PoliceUnit, FIRNumber: o.FIRNumber, LegalBasis: string(o.LegalBasis), Notes: o.Notes,
		Status: string(o.Status), SuspectsApprehended: o.SuspectsApprehended, Transitions: docstore.FromTransitions(o.Transitions),
	}
}

func fromOperationDoc(d *operationDoc) *domain.Operation {
	return &domain.Operation{
		Meta: d.Meta.ToMeta(),
		OperationFields: domain.OperationFields{
			Location: d.Location, PlannedTime: d.PlannedTime.UTC(), PoliceUnit: d.PoliceUnit, FIRNumber: d.FIRNumber,
			LegalBasis: domain.OperationLegalBasis(d.LegalBasis), Notes: d.Notes,
		},
		Status:              domain.OperationStatus(d.Status),
		ConductTime:         docstore.FromOptionalTime(d.ConductTime),
		SuspectsApprehended: d.SuspectsApprehended,
		Transitions:         docstore.ToTransitions[domain.OperationStatus](d.Transitions),
	}
}

// cwcState is the time-independent part of a survivor's CWC production
// status, stored so that lists can filter on the status: NOT_REQUIRED,
// PRODUCED and PRODUCED_LATE never change with time; AWAITING is PENDING
// until cwc_production_deadline and OVERDUE after it.
const cwcAwaiting = "AWAITING"

type legalBasisDoc struct {
	Basis     string `bson:"basis"`
	Reference string `bson:"reference"`
}

type erasureDoc struct {
	Time      time.Time `bson:"time"`
	Actor     string    `bson:"actor"`
	Reason    string    `bson:"reason"`
	RequestID string    `bson:"request_id,omitempty"`
}

// survivorDoc is a survivor as stored. The protected identity fields hold
// ciphertexts (binary), never plaintext: see survivorCodec. identity_index
// is the blind index of the legal name with the date of birth, absent when
// either is unknown or erased.
type survivorDoc struct {
	Meta                  docstore.MetaFields `bson:",inline"`
	Operation             string              `bson:"operation"`
	Pseudonym             string              `bson:"pseudonym"`
	LegalName             []byte              `bson:"legal_name,omitempty"`
	DateOfBirth           []byte              `bson:"date_of_birth,omitempty"`
	FamilyContact         []byte              `bson:"family_contact,omitempty"`
	Address               []byte              `bson:"address,omitempty"`
	Photo                 []byte              `bson:"photo,omitempty"`
	IdentityIndex         string              `bson:"identity_index,omitempty"`
	IdentityErasure       *erasureDoc         `bson:"identity_erasure,omitempty"`
	AgeAtRescue           int                 `bson:"age_at_rescue"`
	Minor                 bool                `bson:"minor"`
	Gender                string              `bson:"gender"`
	Citizenship           string              `bson:"citizenship"`
	OriginRegion          string              `bson:"origin_region"`
	Languages             []string            `bson:"languages"`
	RescueTime            time.Time           `bson:"rescue_time"`
	MeansOfControl        []string            `bson:"means_of_control"`
	RecruiterRelation     string              `bson:"recruiter_relation"`
	LegalBasis            legalBasisDoc       `bson:"legal_basis"`
	CWCProductionTime     *time.Time          `bson:"cwc_production_time,omitempty"`
	CWCProductionDeadline *time.Time          `bson:"cwc_production_deadline,omitempty"`
	CWCState              string              `bson:"cwc_state"`
	Counters              counters.State      `bson:"counters"`
}

// Cipher encrypts the survivors' protected identity fields with the keys of
// their office and computes the blind index of the legal name with the date
// of birth. *fieldcrypt.Keyring implements it.
type Cipher interface {
	// Encrypt encrypts plaintext with office's current key, bound to associatedData.
	Encrypt(office string, plaintext, associatedData []byte) ([]byte, error)
	// Decrypt decrypts a ciphertext Encrypt made for office and associatedData.
	Decrypt(office string, ciphertext, associatedData []byte) ([]byte, error)
	// BlindIndex returns the keyed hash of the normalised parts; "" if a part is empty.
	BlindIndex(parts ...string) (string, error)
}

// survivorCodec converts survivors to documents and back, encrypting the
// protected identity on the way in and decrypting it on the way out. Every
// field is encrypted alone, bound (associated data) to the record's name and
// the field's name, so a ciphertext copied to another record or field does
// not decrypt. Errors name the record and the field, never a value.
type survivorCodec struct {
	cipher Cipher
}

// sealed is one protected field in stored form.
type sealed struct {
	field string
	plain []byte
	into  *[]byte
}

func (c survivorCodec) toDoc(s *domain.Survivor) (*survivorDoc, error) {
	name := s.Name()
	d := &survivorDoc{
		Meta: docstore.FromMeta(s.Meta), Operation: s.Operation, Pseudonym: s.Pseudonym,
		AgeAtRescue: s.AgeAtRescue, Minor: s.Minor(),
		Gender: string(s.Gender), Citizenship: s.Citizenship, OriginRegion: s.OriginRegion,
		Languages: append([]string{}, s.Languages...), RescueTime: s.RescueTime,
		MeansOfControl:    make([]string, len(s.MeansOfControl)),
		RecruiterRelation: string(s.RecruiterRelation),
		LegalBasis:        legalBasisDoc{Basis: string(s.LegalBasis.Basis), Reference: s.LegalBasis.Reference},
		CWCProductionTime: docstore.OptionalTime(s.CWCProductionTime),
	}
	var dob []byte
	if s.DateOfBirth != nil {
		dob = []byte(docstore.OptionalDate(*s.DateOfBirth))
	}
	for _, f := range []sealed{
		{string(domain.SurvivorFieldLegalName), []byte(s.LegalName), &d.LegalName},
		{string(domain.SurvivorFieldDateOfBirth), dob, &d.DateOfBirth},
		{string(domain.SurvivorFieldFamilyContact), []byte(s.FamilyContact), &d.FamilyContact},
		{string(domain.SurvivorFieldAddress), []byte(s.Address), &d.Address},
		{string(domain.SurvivorFieldPhoto), s.Photo, &d.Photo},
	} {
		if len(f.plain) == 0 {
			continue
		}
		ct, err := c.cipher.Encrypt(s.Office, f.plain, fieldcrypt.AssociatedData(name, f.field))
		if err != nil {
			return nil, fmt.Errorf("encrypt %s of survivor %s: %w", f.field, name, err)
		}
		*f.into = ct
	}
	if legalName, dateOfBirth, ok := s.IdentityKey(); ok {
		index, err := c.cipher.BlindIndex(legalName, dateOfBirth)
		if err != nil {
			return nil, fmt.Errorf("blind index of survivor %s: %w", name, err)
		}
		d.IdentityIndex = index
	}
	if e := s.Erasure; e != nil {
		d.IdentityErasure = &erasureDoc{Time: e.Time, Actor: e.Actor, Reason: e.Reason, RequestID: e.RequestID}
	}
	for i, m := range s.MeansOfControl {
		d.MeansOfControl[i] = string(m)
	}
	switch {
	case !s.Minor():
		d.CWCState = string(domain.CWCNotRequired)
	case s.CWCProductionTime.IsZero():
		d.CWCState = cwcAwaiting
	default:
		// With a production time the status no longer depends on the clock.
		d.CWCState = string(s.CWCStatus(time.Time{}))
	}
	if s.Minor() {
		d.CWCProductionDeadline = docstore.OptionalTime(s.CWCDeadline())
	}
	return d, nil
}

// survivorWithoutIdentity converts a stored survivor to the domain's form
// with every field but the protected identity, which stays encrypted in the
// document and is left empty: what the metrics are computed from, so no
// count can depend on identity (nor change when it is erased).
func survivorWithoutIdentity(d *survivorDoc) *domain.Survivor {
	s := &domain.Survivor{
		Meta:      d.Meta.ToMeta(),
		Operation: d.Operation,
		SurvivorFields: domain.SurvivorFields{
			Pseudonym: d.Pseudonym, AgeAtRescue: d.AgeAtRescue, Gender: domain.Gender(d.Gender), Citizenship: d.Citizenship,
			OriginRegion: d.OriginRegion, RescueTime: d.RescueTime.UTC(),
			RecruiterRelation: domain.RecruiterRelation(d.RecruiterRelation),
			LegalBasis:        domain.LegalBasis{Basis: domain.LawfulBasis(d.LegalBasis.Basis), Reference: d.LegalBasis.Reference},
			CWCProductionTime: docstore.FromOptionalTime(d.CWCProductionTime),
		},
	}
	if e := d.IdentityErasure; e != nil {
		s.Erasure = &domain.IdentityErasure{Time: e.Time.UTC(), Actor: e.Actor, Reason: e.Reason, RequestID: e.RequestID}
	}
	if len(d.Languages) > 0 {
		s.Languages = append([]string(nil), d.Languages...)
	}
	for _, m := range d.MeansOfControl {
		s.MeansOfControl = append(s.MeansOfControl, domain.MeansOfControl(m))
	}
	return s
}

func (c survivorCodec) fromDoc(d *survivorDoc) (*domain.Survivor, error) {
	s := survivorWithoutIdentity(d)
	name := s.Name()
	open := func(field string, ct []byte) ([]byte, error) {
		if len(ct) == 0 {
			return nil, nil
		}
		pt, err := c.cipher.Decrypt(s.Office, ct, fieldcrypt.AssociatedData(name, field))
		if err != nil {
			return nil, fmt.Errorf("decrypt %s of survivor %s: %w", field, name, err)
		}
		return pt, nil
	}
	legalName, err := open(string(domain.SurvivorFieldLegalName), d.LegalName)
	if err != nil {
		return nil, err
	}
	dob, err := open(string(domain.SurvivorFieldDateOfBirth), d.DateOfBirth)
	if err != nil {
		return nil, err
	}
	contact, err := open(string(domain.SurvivorFieldFamilyContact), d.FamilyContact)
	if err != nil {
		return nil, err
	}
	address, err := open(string(domain.SurvivorFieldAddress), d.Address)
	if err != nil {
		return nil, err
	}
	if s.Photo, err = open(string(domain.SurvivorFieldPhoto), d.Photo); err != nil {
		return nil, err
	}
	s.LegalName, s.FamilyContact, s.Address = string(legalName), string(contact), string(address)
	if dob != nil {
		// The error does not quote the date: it is protected identity.
		date, err := docstore.FromOptionalDate(string(dob))
		if err != nil {
			return nil, fmt.Errorf("survivor %s: date of birth: %w", name, err)
		}
		s.DateOfBirth = &date
	}
	return s, nil
}
