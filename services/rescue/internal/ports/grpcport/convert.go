package grpcport

import (
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/types/known/timestamppb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// Enums are stored as their proto names without the type prefix
// (LOCATION_TYPE_BROTHEL is stored as BROTHEL). An unspecified value becomes
// the empty string; a number the contract does not define becomes its
// decimal form, which the domain rejects as "must be one of ...; got 99".

func enumIn[E ~string, P ~int32](p P, names map[int32]string, prefix string) E {
	if p == 0 {
		return ""
	}
	name, ok := names[int32(p)]
	if !ok {
		return E(strconv.Itoa(int(p)))
	}
	return E(strings.TrimPrefix(name, prefix))
}

func enumOut[P ~int32, E ~string](e E, values map[string]int32, prefix string) P {
	if e == "" {
		return 0
	}
	return P(values[prefix+string(e)])
}

// timeIn converts an optional timestamp; an invalid one is a violation on field.
func timeIn(v *errs.Violations, field string, ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	if err := ts.CheckValid(); err != nil {
		v.Add(field, "must be a valid timestamp between 0001-01-01 and 9999-12-31")
		return time.Time{}
	}
	return ts.AsTime()
}

func timeOut(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// Locations.

func locationFieldsIn(l *rescuev1.Location) domain.LocationFields {
	return domain.LocationFields{
		DisplayName: l.GetDisplayName(),
		Type:        enumIn[domain.LocationType](l.GetType(), rescuev1.LocationType_name, "LOCATION_TYPE_"),
		Area:        l.GetArea(),
		District:    l.GetDistrict(),
		Notes:       l.GetNotes(),
	}
}

func locationOut(l *domain.Location) *rescuev1.Location {
	out := &rescuev1.Location{
		Name:        l.Name(),
		DisplayName: l.DisplayName,
		Type:        enumOut[rescuev1.LocationType](l.Type, rescuev1.LocationType_value, "LOCATION_TYPE_"),
		Area:        l.Area,
		District:    l.District,
		Notes:       l.Notes,
		Status:      locationStatusOut(l.Status),
		CreateTime:  timeOut(l.CreateTime),
		UpdateTime:  timeOut(l.UpdateTime),
		CreatedBy:   l.CreatedBy,
		UpdatedBy:   l.UpdatedBy,
		Etag:        l.Etag(),
	}
	for _, t := range l.Transitions {
		out.Transitions = append(out.Transitions, &rescuev1.LocationTransition{
			FromStatus: locationStatusOut(t.From), ToStatus: locationStatusOut(t.To),
			Actor: t.Actor, Time: timeOut(t.Time), Reason: t.Reason,
		})
	}
	return out
}

func locationStatusOut(s domain.LocationStatus) rescuev1.LocationStatus {
	return enumOut[rescuev1.LocationStatus](s, rescuev1.LocationStatus_value, "LOCATION_STATUS_")
}

// Operations.

func operationFieldsIn(v *errs.Violations, o *rescuev1.Operation, prefix string) domain.OperationFields {
	return domain.OperationFields{
		Location:    o.GetLocation(),
		PlannedTime: timeIn(v, prefix+".planned_time", o.GetPlannedTime()),
		PoliceUnit:  o.GetPoliceUnit(),
		FIRNumber:   o.GetFirNumber(),
		LegalBasis:  enumIn[domain.OperationLegalBasis](o.GetLegalBasis(), rescuev1.OperationLegalBasis_name, "OPERATION_LEGAL_BASIS_"),
		Notes:       o.GetNotes(),
	}
}

func operationOut(o *app.OperationView) *rescuev1.Operation {
	out := &rescuev1.Operation{
		Name:                o.Name(),
		Location:            o.Location,
		PlannedTime:         timeOut(o.PlannedTime),
		ConductTime:         timeOut(o.ConductTime),
		PoliceUnit:          o.PoliceUnit,
		FirNumber:           o.FIRNumber,
		LegalBasis:          enumOut[rescuev1.OperationLegalBasis](o.LegalBasis, rescuev1.OperationLegalBasis_value, "OPERATION_LEGAL_BASIS_"),
		Status:              operationStatusOut(o.Status),
		SurvivorsRescued:    int32(o.SurvivorsRescued),
		SuspectsApprehended: int32(o.SuspectsApprehended),
		Notes:               o.Notes,
		CreateTime:          timeOut(o.CreateTime),
		UpdateTime:          timeOut(o.UpdateTime),
		CreatedBy:           o.CreatedBy,
		UpdatedBy:           o.UpdatedBy,
		Etag:                o.Etag(),
	}
	for _, t := range o.Transitions {
		out.Transitions = append(out.Transitions, &rescuev1.OperationTransition{
			FromStatus: operationStatusOut(t.From), ToStatus: operationStatusOut(t.To),
			Actor: t.Actor, Time: timeOut(t.Time), Reason: t.Reason,
		})
	}
	return out
}

func operationStatusOut(s domain.OperationStatus) rescuev1.OperationStatus {
	return enumOut[rescuev1.OperationStatus](s, rescuev1.OperationStatus_value, "OPERATION_STATUS_")
}

// Survivors.

func survivorFieldsIn(v *errs.Violations, s *rescuev1.Survivor, prefix string) domain.SurvivorFields {
	f := domain.SurvivorFields{
		Pseudonym:         s.GetPseudonym(),
		LegalName:         s.GetLegalName(),
		DateOfBirth:       dateIn(s.GetDateOfBirth()),
		FamilyContact:     s.GetFamilyContact(),
		Address:           s.GetAddress(),
		Photo:             s.GetPhoto(),
		AgeAtRescue:       int(s.GetAgeAtRescue()),
		Gender:            enumIn[domain.Gender](s.GetGender(), rescuev1.Gender_name, "GENDER_"),
		Citizenship:       s.GetCitizenship(),
		OriginRegion:      s.GetOriginRegion(),
		Languages:         s.GetLanguages(),
		RescueTime:        timeIn(v, prefix+".rescue_time", s.GetRescueTime()),
		RecruiterRelation: enumIn[domain.RecruiterRelation](s.GetRecruiterRelation(), rescuev1.RecruiterRelation_name, "RECRUITER_RELATION_"),
		LegalBasis: domain.LegalBasis{
			Basis:     enumIn[domain.LawfulBasis](s.GetLegalBasis().GetBasis(), rescuev1.LawfulBasis_name, "LAWFUL_BASIS_"),
			Reference: s.GetLegalBasis().GetReference(),
		},
		CWCProductionTime: timeIn(v, prefix+".cwc_production_time", s.GetCwcProductionTime()),
	}
	for _, m := range s.GetMeansOfControl() {
		f.MeansOfControl = append(f.MeansOfControl, enumIn[domain.MeansOfControl](m, rescuev1.MeansOfControl_name, "MEANS_OF_CONTROL_"))
	}
	return f
}

// dateIn converts a google.type.Date; an absent or all-zero date means unknown.
func dateIn(d *date.Date) *domain.Date {
	if d == nil || (d.GetYear() == 0 && d.GetMonth() == 0 && d.GetDay() == 0) {
		return nil
	}
	return &domain.Date{Year: int(d.GetYear()), Month: int(d.GetMonth()), Day: int(d.GetDay())}
}

// survivorOut converts a survivor for a caller. Its protected identity is
// included only when showIdentity (the caller holds one of IdentityRoles);
// otherwise those fields are absent and identity_withheld says so. An erased
// identity is absent for everyone, with identity_erase_time set.
func survivorOut(s *domain.Survivor, now time.Time, showIdentity bool) *rescuev1.Survivor {
	out := &rescuev1.Survivor{
		Name:         s.Name(),
		Pseudonym:    s.Pseudonym,
		AgeAtRescue:  int32(s.AgeAtRescue),
		Minor:        s.Minor(),
		Gender:       enumOut[rescuev1.Gender](s.Gender, rescuev1.Gender_value, "GENDER_"),
		Citizenship:  s.Citizenship,
		OriginRegion: s.OriginRegion,
		Languages:    s.Languages,
		RescueTime:   timeOut(s.RescueTime),
		Operation:    s.Operation,
		RecruiterRelation: enumOut[rescuev1.RecruiterRelation](s.RecruiterRelation, rescuev1.RecruiterRelation_value,
			"RECRUITER_RELATION_"),
		LegalBasis: &rescuev1.LegalBasis{
			Basis:     enumOut[rescuev1.LawfulBasis](s.LegalBasis.Basis, rescuev1.LawfulBasis_value, "LAWFUL_BASIS_"),
			Reference: s.LegalBasis.Reference,
		},
		CwcProductionTime:     timeOut(s.CWCProductionTime),
		CwcProductionStatus:   enumOut[rescuev1.CwcProductionStatus](s.CWCStatus(now), rescuev1.CwcProductionStatus_value, "CWC_PRODUCTION_STATUS_"),
		CwcProductionDeadline: timeOut(s.CWCDeadline()),
		CreateTime:            timeOut(s.CreateTime),
		UpdateTime:            timeOut(s.UpdateTime),
		CreatedBy:             s.CreatedBy,
		UpdatedBy:             s.UpdatedBy,
		Etag:                  s.Etag(),
	}
	for _, m := range s.MeansOfControl {
		out.MeansOfControl = append(out.MeansOfControl, enumOut[rescuev1.MeansOfControl](m, rescuev1.MeansOfControl_value, "MEANS_OF_CONTROL_"))
	}
	if s.Erasure != nil {
		out.IdentityEraseTime = timeOut(s.Erasure.Time)
	}
	if !showIdentity {
		out.IdentityWithheld = true
		return out
	}
	out.LegalName, out.FamilyContact, out.Address = s.LegalName, s.FamilyContact, s.Address
	if len(s.Photo) > 0 {
		out.Photo = append([]byte(nil), s.Photo...)
	}
	if s.DateOfBirth != nil {
		out.DateOfBirth = &date.Date{Year: int32(s.DateOfBirth.Year), Month: int32(s.DateOfBirth.Month), Day: int32(s.DateOfBirth.Day)}
	}
	return out
}
