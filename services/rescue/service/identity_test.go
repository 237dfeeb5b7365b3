package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/rescue/internal/ports/grpcport"
)

// pngPhoto is a tiny "photo": the service checks the PNG signature only.
var pngPhoto = append([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, []byte("visibility-test-pixels")...)

// bornYearsAgo is a date of birth that fits an age_at_rescue of years (the
// service accepts a year of difference).
func bornYearsAgo(years int) *date.Date {
	return &date.Date{Year: int32(time.Now().Year() - years), Month: 1, Day: 2}
}

// identityOf returns the protected fields of a survivor, for comparisons.
func identityOf(s *rescuev1.Survivor) *rescuev1.Survivor {
	return &rescuev1.Survivor{LegalName: s.GetLegalName(), DateOfBirth: s.GetDateOfBirth(), FamilyContact: s.GetFamilyContact(),
		Address: s.GetAddress(), Photo: s.GetPhoto()}
}

func TestIdentityIsShownOnlyToRolesThatNeedIt(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.conductedOperation(t, "mumbai")
	in := adult(o.GetName())
	in.LegalName, in.DateOfBirth, in.Photo = "Rukhsana Visibilitytest Begum", bornYearsAgo(22), pngPhoto
	created, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: in})
	if err != nil {
		t.Fatal(err)
	}
	full := identityOf(in)
	if !proto.Equal(identityOf(created), full) || created.GetIdentityWithheld() {
		t.Fatalf("the investigator's create answer lacks identity: %v", created)
	}
	readers := 0
	for _, role := range auth.Roles() {
		ctx := e.ctxRole(t, role, "mumbai")
		if grpcport.Policy().Allows(rescuev1.RescueService_GetSurvivor_FullMethodName, identity.Principal{Roles: []string{role}}) != nil {
			continue
		}
		readers++
		sees := slices.Contains(grpcport.IdentityRoles, role)
		got, err := e.anon.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: created.GetName()})
		if err != nil {
			t.Fatalf("%s: GetSurvivor: %v", role, err)
		}
		list, err := e.anon.ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/-"})
		if err != nil || len(list.GetSurvivors()) != 1 {
			t.Fatalf("%s: ListSurvivors: %v, %v", role, list, err)
		}
		for what, s := range map[string]*rescuev1.Survivor{"get": got, "list": list.GetSurvivors()[0]} {
			if s.GetPseudonym() != "Asha" || s.GetAgeAtRescue() != 22 {
				t.Errorf("%s %s: the pseudonym and the other fields must always be there: %v", role, what, s)
			}
			if sees {
				if !proto.Equal(identityOf(s), full) || s.GetIdentityWithheld() {
					t.Errorf("%s %s: identity missing: %v", role, what, identityOf(s))
				}
				continue
			}
			if !proto.Equal(identityOf(s), &rescuev1.Survivor{}) || !s.GetIdentityWithheld() {
				t.Errorf("%s %s: identity shown or not marked withheld: %v (withheld %v)", role, what, identityOf(s), s.GetIdentityWithheld())
			}
		}
	}
	if readers < 5 {
		t.Fatalf("only %d roles may read survivors; the test covers too little", readers)
	}
}

func TestUpdateMasksCannotMoveARecordToAnotherOffice(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	o := e.conductedOperation(t, "mumbai")
	sv, err := e.client.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName())})
	if err != nil {
		t.Fatal(err)
	}
	l := e.location(t, "mumbai")
	moved := func(name string) string { return strings.Replace(name, "offices/mumbai/", "offices/kolkata/", 1) }
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }
	for _, paths := range [][]string{{"office"}, {"name"}, {"pseudonym", "office"}, {"created_by"}, {"create_time"}, {"etag"}, {"identity_erase_time"}} {
		_, err := e.client.UpdateSurvivor(ctx, &rescuev1.UpdateSurvivorRequest{
			Survivor: &rescuev1.Survivor{Name: sv.GetName(), Pseudonym: "X", CreatedBy: "mallory"}, UpdateMask: mask(paths...)})
		st := statusOf(t, err, codes.InvalidArgument, "INVALID_UPDATE_MASK", "update_mask")
		if !strings.Contains(st.Message(), paths[len(paths)-1]) {
			t.Errorf("mask %v: message %q does not name the field", paths, st.Message())
		}
	}
	_, err = e.client.UpdateLocation(ctx, &rescuev1.UpdateLocationRequest{Location: &rescuev1.Location{Name: l.GetName()}, UpdateMask: mask("office")})
	statusOf(t, err, codes.InvalidArgument, "INVALID_UPDATE_MASK", "update_mask")
	_, err = e.client.UpdateOperation(ctx, &rescuev1.UpdateOperationRequest{Operation: &rescuev1.Operation{Name: o.GetName()}, UpdateMask: mask("name")})
	statusOf(t, err, codes.InvalidArgument, "INVALID_UPDATE_MASK", "update_mask")
	// Naming the record under another office addresses another (absent) record: nothing moves.
	_, err = e.client.UpdateSurvivor(ctx, &rescuev1.UpdateSurvivorRequest{
		Survivor: &rescuev1.Survivor{Name: moved(sv.GetName()), Pseudonym: "X"}, UpdateMask: mask("pseudonym")})
	statusOf(t, err, codes.NotFound, "SURVIVOR_NOT_FOUND")
	got, err := e.client.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: sv.GetName()})
	if err != nil || got.GetEtag() != sv.GetEtag() || got.GetPseudonym() != "Asha" || got.GetCreatedBy() != sv.GetCreatedBy() {
		t.Errorf("the survivor changed: %v, %v", got, err)
	}
}

func TestEraseSurvivorIdentity(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.conductedOperation(t, "mumbai")
	in := adult(o.GetName())
	in.LegalName, in.DateOfBirth, in.Photo = "Farzana Erasuretest", bornYearsAgo(22), pngPhoto
	sv, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: in})
	if err != nil {
		t.Fatal(err)
	}
	twin, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: in})
	if err != nil {
		t.Fatal(err)
	}
	director := e.ctxRole(t, auth.RoleOfficeDirector, "mumbai")
	req := &rescuev1.EraseSurvivorIdentityRequest{Name: sv.GetName(), Etag: sv.GetEtag(), RequestId: "erase-1", Reason: "case closed; consent withdrawn"}

	_, err = e.client.EraseSurvivorIdentity(ctxT(t), req)
	statusOf(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	_, err = e.anon.EraseSurvivorIdentity(director, &rescuev1.EraseSurvivorIdentityRequest{Name: sv.GetName()})
	statusOf(t, err, codes.InvalidArgument, "INVALID_FIELDS", "reason")
	_, err = e.anon.EraseSurvivorIdentity(director, &rescuev1.EraseSurvivorIdentityRequest{Name: sv.GetName(), Reason: "r", Etag: "99"})
	statusOf(t, err, codes.Aborted, "ETAG_MISMATCH")
	_, err = e.anon.EraseSurvivorIdentity(e.ctxRole(t, auth.RoleOfficeDirector, "kolkata"), req)
	statusOf(t, err, codes.NotFound, "SURVIVOR_NOT_FOUND")

	erased, err := e.anon.EraseSurvivorIdentity(director, req)
	if err != nil {
		t.Fatal(err)
	}
	if erased.GetIdentityEraseTime() == nil || erased.GetPseudonym() != "Asha" || erased.GetEtag() == sv.GetEtag() {
		t.Errorf("erase answer = %v", erased)
	}
	again, err := e.anon.EraseSurvivorIdentity(director, req)
	if err != nil || again.GetEtag() != erased.GetEtag() || !again.GetIdentityEraseTime().AsTime().Equal(erased.GetIdentityEraseTime().AsTime()) {
		t.Errorf("a retry with the same request_id: %v, %v", again, err)
	}
	_, err = e.anon.EraseSurvivorIdentity(director, &rescuev1.EraseSurvivorIdentityRequest{Name: sv.GetName(), RequestId: "erase-2", Reason: "again"})
	statusOf(t, err, codes.FailedPrecondition, "ALREADY_ERASED")

	// An investigator, who sees identity, reads the record: erased, not an error.
	got, err := e.client.GetSurvivor(ctxT(t), &rescuev1.GetSurvivorRequest{Name: sv.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(identityOf(got), &rescuev1.Survivor{}) || got.GetIdentityWithheld() ||
		!got.GetIdentityEraseTime().AsTime().Equal(erased.GetIdentityEraseTime().AsTime()) ||
		got.GetPseudonym() != "Asha" || got.GetAgeAtRescue() != 22 || got.GetLegalBasis().GetReference() != "Consent form 44" {
		t.Errorf("read after erasure = %v", got)
	}
	if op, err := e.client.GetOperation(ctxT(t), &rescuev1.GetOperationRequest{Name: o.GetName()}); err != nil || op.GetSurvivorsRescued() != 2 {
		t.Errorf("survivors_rescued after erasure = %d, %v; want 2", op.GetSurvivorsRescued(), err)
	}
	_, err = e.client.UpdateSurvivor(ctxT(t), &rescuev1.UpdateSurvivorRequest{
		Survivor: &rescuev1.Survivor{Name: sv.GetName(), LegalName: "Farzana Erasuretest"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"legal_name"}}})
	statusOf(t, err, codes.FailedPrecondition, "IDENTITY_ERASED")
	// The erased record no longer matches its twin.
	dups, err := e.client.FindSurvivorDuplicates(ctxT(t), &rescuev1.FindSurvivorDuplicatesRequest{Name: twin.GetName()})
	if err != nil || len(dups.GetPossibleDuplicates()) != 0 {
		t.Errorf("duplicates of the twin after erasure: %v, %v", dups, err)
	}
	dups, err = e.client.FindSurvivorDuplicates(ctxT(t), &rescuev1.FindSurvivorDuplicatesRequest{Name: sv.GetName()})
	if err != nil || len(dups.GetPossibleDuplicates()) != 0 {
		t.Errorf("duplicates of the erased survivor: %v, %v", dups, err)
	}
}

func TestFindSurvivorDuplicates(t *testing.T) {
	t.Parallel()
	e := start(t)
	dob := bornYearsAgo(25)
	create := func(office, pseudonym, legalName string, dob *date.Date) *rescuev1.Survivor {
		t.Helper()
		o := e.conductedOperation(t, office)
		s := adult(o.GetName())
		s.Pseudonym, s.LegalName, s.DateOfBirth, s.AgeAtRescue = pseudonym, legalName, dob, 25
		got, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/" + office, Survivor: s})
		if err != nil {
			t.Fatalf("CreateSurvivor: %v", err)
		}
		return got
	}
	first := create("mumbai", "Meera", "Meera Duplicatetest Thakur", dob)
	spaced := create("mumbai", "Meera T", "  meera   DUPLICATETEST thakur ", dob)
	otherDay := bornYearsAgo(25)
	otherDay.Day++
	create("mumbai", "Other day", "Meera Duplicatetest Thakur", otherDay)
	create("mumbai", "No dob", "Meera Duplicatetest Thakur", nil)
	inKolkata := create("kolkata", "Meera K", "MEERA DUPLICATETEST THAKUR", dob)

	refs := func(resp *rescuev1.FindSurvivorDuplicatesResponse) []string {
		var out []string
		for _, r := range resp.GetPossibleDuplicates() {
			out = append(out, r.GetName()+"="+r.GetPseudonym())
		}
		slices.Sort(out)
		return out
	}
	req := &rescuev1.FindSurvivorDuplicatesRequest{Name: first.GetName()}
	mumbaiWorker := e.ctxRole(t, auth.RoleSocialWorker, "mumbai")
	resp, err := e.anon.FindSurvivorDuplicates(mumbaiWorker, req)
	if want := []string{spaced.GetName() + "=Meera T"}; err != nil || !slices.Equal(refs(resp), want) {
		t.Errorf("mumbai social worker: %v, %v; want %v", refs(resp), err, want)
	}
	resp, err = e.client.FindSurvivorDuplicates(ctxT(t), req)
	want := []string{inKolkata.GetName() + "=Meera K", spaced.GetName() + "=Meera T"}
	slices.Sort(want)
	if err != nil || !slices.Equal(refs(resp), want) {
		t.Errorf("investigator of both offices: %v, %v; want %v", refs(resp), err, want)
	}
	_, err = e.anon.FindSurvivorDuplicates(e.ctxRole(t, auth.RoleSocialWorker, "kolkata"), req)
	statusOf(t, err, codes.NotFound, "SURVIVOR_NOT_FOUND")
	_, err = e.anon.FindSurvivorDuplicates(e.ctxRole(t, auth.RoleLawyer, "mumbai"), req)
	statusOf(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	// The answer carries names and pseudonyms only.
	b, _ := proto.Marshal(resp)
	if strings.Contains(strings.ToLower(string(b)), "duplicatetest") {
		t.Error("the duplicates answer carries a legal name")
	}
}
