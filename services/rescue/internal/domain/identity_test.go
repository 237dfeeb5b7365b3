package domain_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// A minimal PNG signature followed by padding: the domain checks the format
// by signature only.
var pngPhoto = append([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, bytes.Repeat([]byte{7}, 64)...)

func TestPhotoValidation(t *testing.T) {
	t.Parallel()
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{1}, 32)...)
	for name, photo := range map[string][]byte{"jpeg": jpeg, "png": pngPhoto, "largest png": append(slices.Clone(pngPhoto), make([]byte, domain.MaxPhotoBytes-len(pngPhoto))...)} {
		f := validSurvivorFields()
		f.Photo = photo
		if _, err := newSurvivor(f); err != nil {
			t.Errorf("%s photo rejected: %v", name, err)
		}
	}
	for name, photo := range map[string][]byte{
		"gif":       []byte("GIF89a......"),
		"text":      []byte(secretName),
		"too large": append(slices.Clone(pngPhoto), make([]byte, domain.MaxPhotoBytes)...),
	} {
		f := validSurvivorFields()
		f.Photo = photo
		_, err := newSurvivor(f)
		assertViolation(t, err, "survivor.photo")
		assertNoIdentity(t, err)
		if e, _ := errs.As(err); strings.Contains(e.Error(), "GIF") {
			t.Errorf("%s: the message describes the photo's content: %v", name, err)
		}
	}
}

func TestIdentityKeyNeedsNameAndDateOfBirth(t *testing.T) {
	t.Parallel()
	f := validSurvivorFields()
	name, dob, ok := f.IdentityKey()
	if !ok || name != secretName || dob != "2008-07-02" {
		t.Errorf("IdentityKey = %q %q %v", name, dob, ok)
	}
	f.DateOfBirth = nil
	if _, _, ok := f.IdentityKey(); ok {
		t.Error("IdentityKey without a date of birth is usable")
	}
	f = validSurvivorFields()
	f.LegalName = "  "
	if _, _, ok := f.IdentityKey(); ok {
		t.Error("IdentityKey with a blank legal name is usable")
	}
}

func TestIdentitySetListsTheProtectedFieldsWithValues(t *testing.T) {
	t.Parallel()
	f := validSurvivorFields()
	f.Photo = pngPhoto
	want := domain.SurvivorIdentityFields
	if got := f.IdentitySet(); !slices.Equal(got, want) {
		t.Errorf("IdentitySet = %v, want %v", got, want)
	}
	f.LegalName, f.Address, f.Photo = "", "", nil
	want = []domain.SurvivorField{domain.SurvivorFieldDateOfBirth, domain.SurvivorFieldFamilyContact}
	if got := f.IdentitySet(); !slices.Equal(got, want) {
		t.Errorf("IdentitySet = %v, want %v", got, want)
	}
	for _, field := range domain.SurvivorUpdatableFields {
		want := slices.Contains(domain.SurvivorIdentityFields, field)
		if domain.IsIdentityField(field) != want {
			t.Errorf("IsIdentityField(%s) = %v", field, !want)
		}
	}
}

func TestEraseIdentity(t *testing.T) {
	t.Parallel()
	f := validSurvivorFields()
	f.Photo = pngPhoto
	s, err := newSurvivor(f)
	if err != nil {
		t.Fatal(err)
	}
	before := s.Clone()
	at := t0.Add(time.Hour)

	err = s.EraseIdentity(domain.Change{Actor: "director", Time: at})
	assertViolation(t, err, "reason")
	if s.Erasure != nil || s.LegalName == "" {
		t.Fatal("an erasure without reason changed the record")
	}

	if err := s.EraseIdentity(domain.Change{Actor: "director", Time: at, Reason: "case closed", RequestID: "erase-1"}); err != nil {
		t.Fatal(err)
	}
	if s.LegalName != "" || s.DateOfBirth != nil || s.FamilyContact != "" || s.Address != "" || s.Photo != nil {
		t.Errorf("identity left after erasure: %v", s.IdentitySet())
	}
	if s.Pseudonym != before.Pseudonym || s.AgeAtRescue != before.AgeAtRescue || s.Operation != before.Operation || !s.Minor() {
		t.Errorf("erasure changed what must stay")
	}
	want := domain.IdentityErasure{Time: at, Actor: "director", Reason: "case closed", RequestID: "erase-1"}
	if s.Erasure == nil || *s.Erasure != want || s.UpdatedBy != "director" || !s.UpdateTime.Equal(at) {
		t.Errorf("erasure recorded as %+v, updated by %s at %v", s.Erasure, s.UpdatedBy, s.UpdateTime)
	}
	if !s.ErasedBy("erase-1") || s.ErasedBy("erase-2") || s.ErasedBy("") {
		t.Error("ErasedBy does not find exactly the request that erased")
	}
	if before.LegalName != secretName || before.Erasure != nil {
		t.Error("erasure changed a clone taken before it")
	}

	err = s.EraseIdentity(domain.Change{Actor: "director", Time: at.Add(time.Hour), Reason: "again"})
	if e, ok := errs.As(err); !ok || e.Kind != errs.KindFailedPrecondition || e.Reason != "ALREADY_ERASED" {
		t.Fatalf("second erasure: err = %v, want FAILED_PRECONDITION ALREADY_ERASED", err)
	}

	err = s.Update([]domain.SurvivorField{domain.SurvivorFieldLegalName}, domain.SurvivorFields{LegalName: secretName}, "x", at, ist)
	if e, ok := errs.As(err); !ok || e.Reason != "IDENTITY_ERASED" {
		t.Fatalf("setting a legal name after erasure: err = %v, want IDENTITY_ERASED", err)
	}
	assertNoIdentity(t, err)
	if err := s.Update([]domain.SurvivorField{domain.SurvivorFieldAddress, domain.SurvivorFieldPseudonym},
		domain.SurvivorFields{Pseudonym: "Asha R"}, "x", at, ist); err != nil {
		t.Errorf("clearing an erased field with another change: %v", err)
	}
}

func TestScope(t *testing.T) {
	t.Parallel()
	s := domain.NewScope("mumbai", "", "kolkata", "mumbai")
	if got := s.Offices(); !slices.Equal(got, []string{"kolkata", "mumbai"}) {
		t.Errorf("Offices = %v", got)
	}
	if !s.Contains("mumbai") || s.Contains("chennai") || s.Contains("") || s.Empty() {
		t.Error("Contains/Empty wrong")
	}
	if got := s.Narrow([]string{"chennai", "mumbai"}).Offices(); !slices.Equal(got, []string{"mumbai"}) {
		t.Errorf("Narrow = %v", got)
	}
	var zero domain.Scope
	if !zero.Empty() || zero.Contains("mumbai") || !zero.Narrow([]string{"mumbai"}).Empty() {
		t.Error("the zero scope must hold nothing")
	}
	s.Offices()[0] = "changed"
	if !s.Contains("kolkata") {
		t.Error("Offices exposes the scope's storage")
	}
}
