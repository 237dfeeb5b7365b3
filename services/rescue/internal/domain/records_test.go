package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

func validOperationFields() domain.OperationFields {
	return domain.OperationFields{
		Location: "offices/mumbai/locations/loc1", PlannedTime: t0.Add(48 * time.Hour), PoliceUnit: "AHTU Mumbai",
		FIRNumber: "123/2025", LegalBasis: domain.OperationBasisITPAS16Rescue,
	}
}

func operationIn(t *testing.T, s domain.OperationStatus) *domain.Operation {
	t.Helper()
	o, err := domain.NewOperation("op1", "mumbai", validOperationFields(), "priya", t0)
	if err != nil {
		t.Fatalf("NewOperation: %v", err)
	}
	o.Status = s
	return o
}

func TestNewLocation(t *testing.T) {
	t.Parallel()
	l, err := domain.NewLocation("loc1", "mumbai", validLocationFields(), "priya", t0.Add(123456789))
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != domain.LocationSuspected || l.Version != 1 || l.CreatedBy != "priya" || l.UpdatedBy != "priya" {
		t.Errorf("new location = %+v", l)
	}
	if l.CreateTime.Nanosecond()%int(time.Millisecond) != 0 || l.CreateTime.Location() != time.UTC {
		t.Errorf("create time %v not normalised to UTC milliseconds", l.CreateTime)
	}
	if l.Name() != "offices/mumbai/locations/loc1" {
		t.Errorf("name = %s", l.Name())
	}
}

func TestLocationValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*domain.LocationFields)
		field  string
	}{
		{"display name missing", func(f *domain.LocationFields) { f.DisplayName = "" }, "location.display_name"},
		{"display name blank", func(f *domain.LocationFields) { f.DisplayName = "  \t" }, "location.display_name"},
		{"display name too long", func(f *domain.LocationFields) { f.DisplayName = strings.Repeat("é", 201) }, "location.display_name"},
		{"type missing", func(f *domain.LocationFields) { f.Type = "" }, "location.type"},
		{"type unknown", func(f *domain.LocationFields) { f.Type = "99" }, "location.type"},
		{"area too long", func(f *domain.LocationFields) { f.Area = strings.Repeat("a", 201) }, "location.area"},
		{"district too long", func(f *domain.LocationFields) { f.District = strings.Repeat("a", 201) }, "location.district"},
		{"notes too long", func(f *domain.LocationFields) { f.Notes = strings.Repeat("a", 4001) }, "location.notes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := validLocationFields()
			tc.modify(&f)
			_, err := domain.NewLocation("loc1", "mumbai", f, "priya", t0)
			assertViolation(t, err, tc.field)
		})
	}
	f := validLocationFields()
	f.DisplayName = strings.Repeat("é", 200)
	f.Notes = strings.Repeat("n", 4000)
	if _, err := domain.NewLocation("loc1", "mumbai", f, "priya", t0); err != nil {
		t.Errorf("fields at their limits rejected: %v", err)
	}
}

func TestLocationUpdate(t *testing.T) {
	t.Parallel()
	l := locationIn(t, domain.LocationSuspected)
	src := domain.LocationFields{DisplayName: "Renamed", Notes: "new notes", Type: ""}
	if err := l.Update([]domain.LocationField{domain.LocationFieldDisplayName, domain.LocationFieldNotes}, src, "arjun", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l.DisplayName != "Renamed" || l.Notes != "new notes" || l.Type != domain.LocationTypeHotelOrLodge || l.Area != "Kamathipura" {
		t.Errorf("update touched the wrong fields: %+v", l.LocationFields)
	}
	if l.UpdatedBy != "arjun" || l.CreatedBy != "priya" {
		t.Errorf("audit: created by %q updated by %q", l.CreatedBy, l.UpdatedBy)
	}
	err := l.Update([]domain.LocationField{domain.LocationFieldType}, domain.LocationFields{}, "arjun", t0)
	assertViolation(t, err, "location.type")
	if l.Type != domain.LocationTypeHotelOrLodge {
		t.Errorf("failed update changed the record")
	}
}

func TestOperationValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*domain.OperationFields)
		field  string
	}{
		{"location missing", func(f *domain.OperationFields) { f.Location = "" }, "operation.location"},
		{"planned time missing", func(f *domain.OperationFields) { f.PlannedTime = time.Time{} }, "operation.planned_time"},
		{"police unit missing", func(f *domain.OperationFields) { f.PoliceUnit = " " }, "operation.police_unit"},
		{"police unit too long", func(f *domain.OperationFields) { f.PoliceUnit = strings.Repeat("p", 201) }, "operation.police_unit"},
		{"fir too long", func(f *domain.OperationFields) { f.FIRNumber = strings.Repeat("1", 101) }, "operation.fir_number"},
		{"legal basis missing", func(f *domain.OperationFields) { f.LegalBasis = "" }, "operation.legal_basis"},
		{"legal basis unknown", func(f *domain.OperationFields) { f.LegalBasis = "ITPA_S99" }, "operation.legal_basis"},
		{"notes too long", func(f *domain.OperationFields) { f.Notes = strings.Repeat("n", 4001) }, "operation.notes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := validOperationFields()
			tc.modify(&f)
			_, err := domain.NewOperation("op1", "mumbai", f, "priya", t0)
			assertViolation(t, err, tc.field)
		})
	}
}

func TestOperationPlannedTimeChangesOnlyWhilePlanned(t *testing.T) {
	t.Parallel()
	fields := []domain.OperationField{domain.OperationFieldPlannedTime}
	src := domain.OperationFields{PlannedTime: t0.Add(72 * time.Hour)}
	o := operationIn(t, domain.OperationPlanned)
	if err := o.Update(fields, src, "arjun", t0); err != nil || !o.PlannedTime.Equal(src.PlannedTime) {
		t.Fatalf("planned operation: err %v, planned time %v", err, o.PlannedTime)
	}
	o = operationIn(t, domain.OperationConducted)
	err := o.Update(fields, src, "arjun", t0)
	if e, ok := errs.As(err); !ok || e.Kind != errs.KindFailedPrecondition || e.Reason != "OPERATION_NOT_PLANNED" {
		t.Errorf("conducted operation: err = %v, want FAILED_PRECONDITION OPERATION_NOT_PLANNED", err)
	}
	if err := o.Update([]domain.OperationField{domain.OperationFieldNotes}, domain.OperationFields{Notes: "debrief"}, "arjun", t0); err != nil {
		t.Errorf("notes of a conducted operation: %v", err)
	}
}
