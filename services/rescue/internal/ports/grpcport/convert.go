package grpcport

import (
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// Locations.

func locationFieldsIn(l *rescuev1.Location) domain.LocationFields {
	return domain.LocationFields{
		DisplayName: l.GetDisplayName(),
		Type:        apireq.EnumIn[domain.LocationType](l.GetType(), rescuev1.LocationType_name, "LOCATION_TYPE_"),
		Area:        l.GetArea(),
		District:    l.GetDistrict(),
		Notes:       l.GetNotes(),
	}
}

func locationOut(l *domain.Location) *rescuev1.Location {
	out := &rescuev1.Location{
		Name:        l.Name(),
		DisplayName: l.DisplayName,
		Type:        apireq.EnumOut[rescuev1.LocationType](l.Type, rescuev1.LocationType_value, "LOCATION_TYPE_"),
		Area:        l.Area,
		District:    l.District,
		Notes:       l.Notes,
		Status:      locationStatusOut(l.Status),
		CreateTime:  apireq.TimeOut(l.CreateTime),
		UpdateTime:  apireq.TimeOut(l.UpdateTime),
		CreatedBy:   l.CreatedBy,
		UpdatedBy:   l.UpdatedBy,
		Etag:        l.Etag(),
	}
	for _, t := range l.Transitions {
		out.Transitions = append(out.Transitions, &rescuev1.LocationTransition{
			FromStatus: locationStatusOut(t.From), ToStatus: locationStatusOut(t.To),
			Actor: t.Actor, Time: apireq.TimeOut(t.Time), Reason: t.Reason,
		})
	}
	return out
}

func locationStatusOut(s domain.LocationStatus) rescuev1.LocationStatus {
	return apireq.EnumOut[rescuev1.LocationStatus](s, rescuev1.LocationStatus_value, "LOCATION_STATUS_")
}

// Operations.

func operationFieldsIn(v *errs.Violations, o *rescuev1.Operation, prefix string) domain.OperationFields {
	return domain.OperationFields{
		Location:    o.GetLocation(),
		PlannedTime: apireq.TimeIn(v, prefix+".planned_time", o.GetPlannedTime()),
		PoliceUnit:  o.GetPoliceUnit(),
		FIRNumber:   o.GetFirNumber(),
		LegalBasis:  apireq.EnumIn[domain.OperationLegalBasis](o.GetLegalBasis(), rescuev1.OperationLegalBasis_name, "OPERATION_LEGAL_BASIS_"),
		Notes:       o.GetNotes(),
	}
}

func operationOut(o *app.OperationView) *rescuev1.Operation {
	out := &rescuev1.Operation{
		Name:                o.Name(),
		Location:            o.Location,
		PlannedTime:         apireq.TimeOut(o.PlannedTime),
		ConductTime:         apireq.TimeOut(o.ConductTime),
		PoliceUnit:          o.PoliceUnit,
		FirNumber:           o.FIRNumber,
		LegalBasis:          apireq.EnumOut[rescuev1.OperationLegalBasis](o.LegalBasis, rescuev1.OperationLegalBasis_value, "OPERATION_LEGAL_BASIS_"),
		Status:              operationStatusOut(o.Status),
		SurvivorsRescued:    int32(o.SurvivorsRescued),
		SuspectsApprehended: int32(o.SuspectsApprehended),
		Notes:               o.Notes,
		CreateTime:          apireq.TimeOut(o.CreateTime),
		UpdateTime:          apireq.TimeOut(o.UpdateTime),
		CreatedBy:           o.CreatedBy,
		UpdatedBy:           o.UpdatedBy,
		Etag:                o.Etag(),
	}
	for _, t := range o.Transitions {
		out.Transitions = append(out.Transitions, &rescuev1.OperationTransition{
			FromStatus: operationStatusOut(t.From), ToStatus: operationStatusOut(t.To),
			Actor: t.Actor, Time: apireq.TimeOut(t.Time), Reason: t.Reason,
		})
	}
	return out
}

func operationStatusOut(s domain.OperationStatus) rescuev1.OperationStatus {
	return apireq.EnumOut[rescuev1.OperationStatus](s, rescuev1.OperationStatus_value, "OPERATION_STATUS_")
}

// Survivors.

func survivorFieldsIn(v *errs.Violations, s *rescuev1.Survivor, prefix string) domain.SurvivorFields {
	f := domain.SurvivorFields{
		Pseudonym:         s.GetPseudonym(),
		LegalName:         s.GetLegalName(),
		DateOfBirth:       dateOfBirthIn(v, prefix+".date_of_birth", s.GetDateOfBirth()),
		FamilyContact:     s.GetFamilyContact(),
		Address:           s.GetAddress(),
		Photo:             s.GetPhoto(),
		AgeAtRescue:       int(s.GetAgeAtRescue()),
		Gender:            apireq.EnumIn[domain.Gender](s.GetGender(), rescuev1.Gender_name, "GENDER_"),
		Citizenship:       s.GetCitizenship(),
		OriginRegion:      s.GetOriginRegion(),
		Languages:         s.GetLanguages(),
		RescueTime:        apireq.TimeIn(v, prefix+".rescue_time", s.GetRescueTime()),
		RecruiterRelation: apireq.EnumIn[domain.RecruiterRelation](s.GetRecruiterRelation(), rescuev1.RecruiterRelation_name, "RECRUITER_RELATION_"),
		LegalBasis: domain.LegalBasis{
			Basis:     apireq.EnumIn[domain.LawfulBasis](s.GetLegalBasis().GetBasis(), rescuev1.LawfulBasis_name, "LAWFUL_BASIS_"),
			Reference: s.GetLegalBasis().GetReference(),
		},
		CWCProductionTime: apireq.TimeIn(v, prefix+".cwc_production_time", s.GetCwcProductionTime()),
	}
	for _, m := range s.GetMeansOfControl() {
		f.MeansOfControl = append(f.MeansOfControl, apireq.EnumIn[domain.MeansOfControl](m, rescuev1.MeansOfControl_name, "MEANS_OF_CONTROL_"))
	}
	return f
}

// dateOfBirthIn converts the protected date of birth: nil when unknown
// (absent or all zero). An invalid date is a violation on field that never
// repeats the date, and still reaches the domain as set.
func dateOfBirthIn(v *errs.Violations, field string, d *date.Date) *domain.Date {
	dob := apireq.DateIn(v, field, d)
	if dob.IsZero() {
		return nil
	}
	return &dob
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
		Gender:       apireq.EnumOut[rescuev1.Gender](s.Gender, rescuev1.Gender_value, "GENDER_"),
		Citizenship:  s.Citizenship,
		OriginRegion: s.OriginRegion,
		Languages:    s.Languages,
		RescueTime:   apireq.TimeOut(s.RescueTime),
		Operation:    s.Operation,
		RecruiterRelation: apireq.EnumOut[rescuev1.RecruiterRelation](s.RecruiterRelation, rescuev1.RecruiterRelation_value,
			"RECRUITER_RELATION_"),
		LegalBasis: &rescuev1.LegalBasis{
			Basis:     apireq.EnumOut[rescuev1.LawfulBasis](s.LegalBasis.Basis, rescuev1.LawfulBasis_value, "LAWFUL_BASIS_"),
			Reference: s.LegalBasis.Reference,
		},
		CwcProductionTime:     apireq.TimeOut(s.CWCProductionTime),
		CwcProductionStatus:   apireq.EnumOut[rescuev1.CwcProductionStatus](s.CWCStatus(now), rescuev1.CwcProductionStatus_value, "CWC_PRODUCTION_STATUS_"),
		CwcProductionDeadline: apireq.TimeOut(s.CWCDeadline()),
		CreateTime:            apireq.TimeOut(s.CreateTime),
		UpdateTime:            apireq.TimeOut(s.UpdateTime),
		CreatedBy:             s.CreatedBy,
		UpdatedBy:             s.UpdatedBy,
		Etag:                  s.Etag(),
	}
	for _, m := range s.MeansOfControl {
		out.MeansOfControl = append(out.MeansOfControl, apireq.EnumOut[rescuev1.MeansOfControl](m, rescuev1.MeansOfControl_value, "MEANS_OF_CONTROL_"))
	}
	if s.Erasure != nil {
		out.IdentityEraseTime = apireq.TimeOut(s.Erasure.Time)
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
		out.DateOfBirth = apireq.DateOut(*s.DateOfBirth)
	}
	return out
}
