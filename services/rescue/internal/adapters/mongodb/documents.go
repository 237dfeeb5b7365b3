package mongodb

import (
	"time"

	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// The stored forms of the records. Field names are the API's snake_case
// names, so filters and order_by map one to one. Every document carries
// office (part of every filter) and version (optimistic concurrency).

type metaFields struct {
	ID         string    `bson:"_id"`
	Office     string    `bson:"office"`
	CreateTime time.Time `bson:"create_time"`
	UpdateTime time.Time `bson:"update_time"`
	CreatedBy  string    `bson:"created_by"`
	UpdatedBy  string    `bson:"updated_by"`
	Version    int64     `bson:"version"`
}

func toMetaFields(m domain.Meta) metaFields {
	return metaFields{ID: m.ID, Office: m.Office, CreateTime: m.CreateTime, UpdateTime: m.UpdateTime,
		CreatedBy: m.CreatedBy, UpdatedBy: m.UpdatedBy, Version: m.Version}
}

func (m metaFields) meta() domain.Meta {
	return domain.Meta{ID: m.ID, Office: m.Office, CreateTime: m.CreateTime.UTC(), UpdateTime: m.UpdateTime.UTC(),
		CreatedBy: m.CreatedBy, UpdatedBy: m.UpdatedBy, Version: m.Version}
}

type transitionDoc struct {
	From      string    `bson:"from"`
	To        string    `bson:"to"`
	Actor     string    `bson:"actor"`
	Time      time.Time `bson:"time"`
	Reason    string    `bson:"reason,omitempty"`
	RequestID string    `bson:"request_id,omitempty"`
}

func toTransitionDocs[S ~string](ts []domain.Transition[S]) []transitionDoc {
	docs := make([]transitionDoc, len(ts))
	for i, t := range ts {
		docs[i] = transitionDoc{From: string(t.From), To: string(t.To), Actor: t.Actor, Time: t.Time, Reason: t.Reason, RequestID: t.RequestID}
	}
	return docs
}

func fromTransitionDocs[S ~string](docs []transitionDoc) []domain.Transition[S] {
	if len(docs) == 0 {
		return nil
	}
	ts := make([]domain.Transition[S], len(docs))
	for i, d := range docs {
		ts[i] = domain.Transition[S]{From: S(d.From), To: S(d.To), Actor: d.Actor, Time: d.Time.UTC(), Reason: d.Reason, RequestID: d.RequestID}
	}
	return ts
}

type locationDoc struct {
	Meta        metaFields      `bson:",inline"`
	DisplayName string          `bson:"display_name"`
	Type        string          `bson:"type"`
	Area        string          `bson:"area"`
	District    string          `bson:"district"`
	Notes       string          `bson:"notes"`
	Status      string          `bson:"status"`
	Transitions []transitionDoc `bson:"transitions"`
}

func toLocationDoc(l *domain.Location) *locationDoc {
	return &locationDoc{
		Meta: toMetaFields(l.Meta), DisplayName: l.DisplayName, Type: string(l.Type), Area: l.Area,
		District: l.District, Notes: l.Notes, Status: string(l.Status), Transitions: toTransitionDocs(l.Transitions),
	}
}

func fromLocationDoc(d *locationDoc) *domain.Location {
	return &domain.Location{
		Meta: d.Meta.meta(),
		LocationFields: domain.LocationFields{
			DisplayName: d.DisplayName, Type: domain.LocationType(d.Type), Area: d.Area, District: d.District, Notes: d.Notes,
		},
		Status:      domain.LocationStatus(d.Status),
		Transitions: fromTransitionDocs[domain.LocationStatus](d.Transitions),
	}
}

type operationDoc struct {
	Meta                metaFields      `bson:",inline"`
	Location            string          `bson:"location"`
	PlannedTime         time.Time       `bson:"planned_time"`
	ConductTime         *time.Time      `bson:"conduct_time,omitempty"`
	PoliceUnit          string          `bson:"police_unit"`
	FIRNumber           string          `bson:"fir_number"`
	LegalBasis          string          `bson:"legal_basis"`
	Notes               string          `bson:"notes"`
	Status              string          `bson:"status"`
	SuspectsApprehended int             `bson:"suspects_apprehended"`
	Transitions         []transitionDoc `bson:"transitions"`
}

func toOperationDoc(o *domain.Operation) *operationDoc {
	return &operationDoc{
		Meta: toMetaFields(o.Meta), Location: o.Location, PlannedTime: o.PlannedTime, ConductTime: optionalTime(o.ConductTime),
		PoliceUnit: o.PoliceUnit, FIRNumber: o.FIRNumber, LegalBasis: string(o.LegalBasis), Notes: o.Notes,
		Status: string(o.Status), SuspectsApprehended: o.SuspectsApprehended, Transitions: toTransitionDocs(o.Transitions),
	}
}

func fromOperationDoc(d *operationDoc) *domain.Operation {
	return &domain.Operation{
		Meta: d.Meta.meta(),
		OperationFields: domain.OperationFields{
			Location: d.Location, PlannedTime: d.PlannedTime.UTC(), PoliceUnit: d.PoliceUnit, FIRNumber: d.FIRNumber,
			LegalBasis: domain.OperationLegalBasis(d.LegalBasis), Notes: d.Notes,
		},
		Status:              domain.OperationStatus(d.Status),
		ConductTime:         fromOptionalTime(d.ConductTime),
		SuspectsApprehended: d.SuspectsApprehended,
		Transitions:         fromTransitionDocs[domain.OperationStatus](d.Transitions),
	}
}

// cwcState is the time-independent part of a survivor's CWC production
// status, stored so that lists can filter on the status: NOT_REQUIRED,
// PRODUCED and PRODUCED_LATE never change with time; AWAITING is PENDING
// until cwc_production_deadline and OVERDUE after it.
const cwcAwaiting = "AWAITING"

type dateDoc struct {
	Year  int `bson:"year"`
	Month int `bson:"month"`
	Day   int `bson:"day"`
}

type legalBasisDoc struct {
	Basis     string `bson:"basis"`
	Reference string `bson:"reference"`
}

// survivorDoc holds protected identity (legal_name, date_of_birth,
// family_contact, address) that must never be logged; the driver's command
// monitor never records command bodies.
type survivorDoc struct {
	Meta                  metaFields    `bson:",inline"`
	Operation             string        `bson:"operation"`
	Pseudonym             string        `bson:"pseudonym"`
	LegalName             string        `bson:"legal_name,omitempty"`
	DateOfBirth           *dateDoc      `bson:"date_of_birth,omitempty"`
	FamilyContact         string        `bson:"family_contact,omitempty"`
	Address               string        `bson:"address,omitempty"`
	AgeAtRescue           int           `bson:"age_at_rescue"`
	Minor                 bool          `bson:"minor"`
	Gender                string        `bson:"gender"`
	Citizenship           string        `bson:"citizenship"`
	OriginRegion          string        `bson:"origin_region"`
	Languages             []string      `bson:"languages"`
	RescueTime            time.Time     `bson:"rescue_time"`
	MeansOfControl        []string      `bson:"means_of_control"`
	RecruiterRelation     string        `bson:"recruiter_relation"`
	LegalBasis            legalBasisDoc `bson:"legal_basis"`
	CWCProductionTime     *time.Time    `bson:"cwc_production_time,omitempty"`
	CWCProductionDeadline *time.Time    `bson:"cwc_production_deadline,omitempty"`
	CWCState              string        `bson:"cwc_state"`
}

func toSurvivorDoc(s *domain.Survivor) *survivorDoc {
	d := &survivorDoc{
		Meta: toMetaFields(s.Meta), Operation: s.Operation, Pseudonym: s.Pseudonym, LegalName: s.LegalName,
		FamilyContact: s.FamilyContact, Address: s.Address, AgeAtRescue: s.AgeAtRescue, Minor: s.Minor(),
		Gender: string(s.Gender), Citizenship: s.Citizenship, OriginRegion: s.OriginRegion,
		Languages: append([]string{}, s.Languages...), RescueTime: s.RescueTime,
		MeansOfControl:    make([]string, len(s.MeansOfControl)),
		RecruiterRelation: string(s.RecruiterRelation),
		LegalBasis:        legalBasisDoc{Basis: string(s.LegalBasis.Basis), Reference: s.LegalBasis.Reference},
		CWCProductionTime: optionalTime(s.CWCProductionTime),
	}
	if s.DateOfBirth != nil {
		d.DateOfBirth = &dateDoc{Year: s.DateOfBirth.Year, Month: s.DateOfBirth.Month, Day: s.DateOfBirth.Day}
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
		d.CWCProductionDeadline = optionalTime(s.CWCDeadline())
	}
	return d
}

func fromSurvivorDoc(d *survivorDoc) *domain.Survivor {
	s := &domain.Survivor{
		Meta:      d.Meta.meta(),
		Operation: d.Operation,
		SurvivorFields: domain.SurvivorFields{
			Pseudonym: d.Pseudonym, LegalName: d.LegalName, FamilyContact: d.FamilyContact, Address: d.Address,
			AgeAtRescue: d.AgeAtRescue, Gender: domain.Gender(d.Gender), Citizenship: d.Citizenship,
			OriginRegion: d.OriginRegion, RescueTime: d.RescueTime.UTC(),
			RecruiterRelation: domain.RecruiterRelation(d.RecruiterRelation),
			LegalBasis:        domain.LegalBasis{Basis: domain.LawfulBasis(d.LegalBasis.Basis), Reference: d.LegalBasis.Reference},
			CWCProductionTime: fromOptionalTime(d.CWCProductionTime),
		},
	}
	if d.DateOfBirth != nil {
		s.DateOfBirth = &domain.Date{Year: d.DateOfBirth.Year, Month: d.DateOfBirth.Month, Day: d.DateOfBirth.Day}
	}
	if len(d.Languages) > 0 {
		s.Languages = append([]string(nil), d.Languages...)
	}
	for _, m := range d.MeansOfControl {
		s.MeansOfControl = append(s.MeansOfControl, domain.MeansOfControl(m))
	}
	return s
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func fromOptionalTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
