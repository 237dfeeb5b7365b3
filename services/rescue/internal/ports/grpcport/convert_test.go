package grpcport

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

func TestEnumsRoundTripEveryDefinedValue(t *testing.T) {
	t.Parallel()
	for n := range rescuev1.LocationType_name {
		p := rescuev1.LocationType(n)
		d := apireq.EnumIn[domain.LocationType](p, rescuev1.LocationType_name, "LOCATION_TYPE_")
		if n != 0 && !strings.Contains(p.String(), string(d)) {
			t.Errorf("%s became %q", p, d)
		}
		if back := apireq.EnumOut[rescuev1.LocationType](d, rescuev1.LocationType_value, "LOCATION_TYPE_"); back != p {
			t.Errorf("%s round-tripped to %s", p, back)
		}
	}
	for n := range rescuev1.MeansOfControl_name {
		p := rescuev1.MeansOfControl(n)
		d := apireq.EnumIn[domain.MeansOfControl](p, rescuev1.MeansOfControl_name, "MEANS_OF_CONTROL_")
		if back := apireq.EnumOut[rescuev1.MeansOfControl](d, rescuev1.MeansOfControl_value, "MEANS_OF_CONTROL_"); back != p {
			t.Errorf("%s round-tripped to %s", p, back)
		}
	}
	// Every stored value of the domain has a contract value.
	for _, s := range domain.CWCStatuses {
		if apireq.EnumOut[rescuev1.CwcProductionStatus](s, rescuev1.CwcProductionStatus_value, "CWC_PRODUCTION_STATUS_") == 0 {
			t.Errorf("CWC status %s has no contract value", s)
		}
	}
	for _, s := range domain.LocationStatuses {
		if locationStatusOut(s) == 0 {
			t.Errorf("location status %s has no contract value", s)
		}
	}
	for _, s := range domain.OperationStatuses {
		if operationStatusOut(s) == 0 {
			t.Errorf("operation status %s has no contract value", s)
		}
	}
	if got := apireq.EnumIn[domain.Gender](rescuev1.Gender(99), rescuev1.Gender_name, "GENDER_"); got != "99" {
		t.Errorf("an undefined number became %q, want \"99\" for the domain to reject", got)
	}
}

func TestSurvivorTranslatesBothWays(t *testing.T) {
	t.Parallel()
	rescue := time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC)
	in := &rescuev1.Survivor{
		Pseudonym: "Asha", LegalName: "L", DateOfBirth: &date.Date{Year: 2009, Month: 1, Day: 2}, FamilyContact: "F",
		Address: "A", Photo: []byte("\xFF\xD8\xFF\xE0jfif"), AgeAtRescue: 16, Gender: rescuev1.Gender_GENDER_TRANSGENDER_OR_NONCONFORMING, Citizenship: "BD",
		OriginRegion: "Khulna", Languages: []string{"bn"}, RescueTime: timestamppb.New(rescue),
		MeansOfControl:    []rescuev1.MeansOfControl{rescuev1.MeansOfControl_MEANS_OF_CONTROL_FALSE_PROMISES},
		RecruiterRelation: rescuev1.RecruiterRelation_RECRUITER_RELATION_INTIMATE_PARTNER,
		LegalBasis:        &rescuev1.LegalBasis{Basis: rescuev1.LawfulBasis_LAWFUL_BASIS_PROSECUTION_OF_OFFENCE, Reference: "R"},
		CwcProductionTime: timestamppb.New(rescue.Add(30 * time.Hour)),
	}
	var v errs.Violations
	f := survivorFieldsIn(&v, in, "survivor")
	if len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
	s, err := domain.NewSurvivor("s1", "mumbai", "offices/mumbai/operations/o1", f, "priya", rescue.Add(31*time.Hour), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	out := survivorOut(s, rescue.Add(40*time.Hour), true)
	want := proto.Clone(in).(*rescuev1.Survivor)
	want.Name, want.Operation, want.Minor = "offices/mumbai/survivors/s1", "offices/mumbai/operations/o1", true
	want.CwcProductionStatus = rescuev1.CwcProductionStatus_CWC_PRODUCTION_STATUS_PRODUCED_LATE
	want.CwcProductionDeadline = timestamppb.New(rescue.Add(24 * time.Hour))
	want.CreateTime, want.UpdateTime = timestamppb.New(rescue.Add(31*time.Hour)), timestamppb.New(rescue.Add(31*time.Hour))
	want.CreatedBy, want.UpdatedBy, want.Etag = "priya", "priya", "1"
	if !proto.Equal(out, want) {
		t.Errorf("out\n%v\nwant\n%v", out, want)
	}

	withheld := survivorOut(s, rescue.Add(40*time.Hour), false)
	want.LegalName, want.DateOfBirth, want.FamilyContact, want.Address, want.Photo = "", nil, "", "", nil
	want.IdentityWithheld = true
	if !proto.Equal(withheld, want) {
		t.Errorf("withheld\n%v\nwant\n%v", withheld, want)
	}

	at := rescue.Add(41 * time.Hour)
	if err := s.EraseIdentity(domain.Change{Actor: "dir", Time: at, Reason: "served"}); err != nil {
		t.Fatal(err)
	}
	erased := survivorOut(s, at, true)
	if erased.GetLegalName() != "" || erased.GetDateOfBirth() != nil || erased.GetPhoto() != nil || erased.GetIdentityWithheld() ||
		!erased.GetIdentityEraseTime().AsTime().Equal(at) || erased.GetPseudonym() != "Asha" {
		t.Errorf("erased survivor = %v", erased)
	}
}

func TestDateOfBirthAllZeroMeansUnknown(t *testing.T) {
	t.Parallel()
	var v errs.Violations
	if dateOfBirthIn(&v, "survivor.date_of_birth", &date.Date{}) != nil || dateOfBirthIn(&v, "survivor.date_of_birth", nil) != nil || len(v) > 0 {
		t.Errorf("an empty date must mean unknown (violations %v)", v)
	}
	d := dateOfBirthIn(&v, "survivor.date_of_birth", &date.Date{Year: 2001})
	if d == nil || d.Month != 0 {
		t.Error("a partial date must reach the domain as set, so that only identity roles may send one")
	}
	if len(v) != 1 || v[0].Field != "survivor.date_of_birth" || strings.Contains(v[0].Description, "2001") {
		t.Errorf("violations %v, want one on survivor.date_of_birth that does not repeat the date", v)
	}
}

func TestUpdateMask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		paths   []string
		want    []domain.SurvivorField
		problem string // a fragment of the violation, empty when accepted
	}{
		{[]string{"pseudonym", "legal_basis.reference", "pseudonym"}, []domain.SurvivorField{"pseudonym", "legal_basis.reference"}, ""},
		{nil, nil, "is required"},
		{[]string{"*"}, nil, `"*" is not accepted`},
		{[]string{"minor"}, nil, "output only"},
		{[]string{"cwc_production_status"}, nil, "output only"},
		{[]string{"operation"}, nil, "immutable"},
		{[]string{"name"}, nil, "identifier"},
		{[]string{"etag"}, nil, "check the version"},
		{[]string{"office"}, nil, "never moves to another office"},
		{[]string{"created_by"}, nil, "output only"},
		{[]string{"create_time"}, nil, "output only"},
		{[]string{"identity_withheld"}, nil, "output only"},
		{[]string{"identity_erase_time"}, nil, "output only"},
		{[]string{"photo", "legal_name"}, []domain.SurvivorField{"photo", "legal_name"}, ""},
		{[]string{"legal_basis.nonsense"}, nil, "has no field"},
		{[]string{"survivor.pseudonym"}, nil, "has no field"},
	}
	for _, tc := range tests {
		got, err := apireq.UpdateMask(&fieldmaskpb.FieldMask{Paths: tc.paths}, &rescuev1.Survivor{}, domain.SurvivorUpdatableFields)
		if tc.problem == "" {
			if err != nil || len(got) != len(tc.want) {
				t.Errorf("%v: %v, %v; want %v", tc.paths, got, err, tc.want)
			}
			continue
		}
		e, ok := errs.As(err)
		if !ok || e.Reason != "INVALID_UPDATE_MASK" || len(e.Violations) == 0 || e.Violations[0].Field != "update_mask" ||
			!strings.Contains(e.Violations[0].Description, tc.problem) {
			t.Errorf("%v: err = %v, want a violation on update_mask saying %q", tc.paths, err, tc.problem)
		}
	}
}
