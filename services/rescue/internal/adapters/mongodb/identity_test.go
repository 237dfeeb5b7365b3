package mongodb_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/rescue/internal/adapters/mongodb"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

const (
	secretName    = "Parvati Distinctname Kumari"
	secretContact = "uncle +91 90000 12345"
	secretAddress = "Plot 9 Secret Colony"
)

var secretPhoto = append([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, []byte("PHOTO-PIXELS-OF-A-FACE")...)

// survivorWithIdentity is an adult survivor with every protected field set.
func survivorWithIdentity(t *testing.T, office, id, legalName string, dob domain.Date) *domain.Survivor {
	t.Helper()
	s, err := domain.NewSurvivor(id, office, domain.Name(office, domain.CollectionOperations, "op1"), domain.SurvivorFields{
		Pseudonym: "P-" + id, LegalName: legalName, DateOfBirth: &dob, FamilyContact: secretContact, Address: secretAddress,
		Photo: secretPhoto, AgeAtRescue: t0.Year() - dob.Year - 1, Gender: domain.GenderFemale, Citizenship: "IN",
		RescueTime: t0, LegalBasis: domain.LegalBasis{Basis: domain.BasisConsent, Reference: "ref"},
	}, "priya", t0.Add(time.Minute), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestProtectedIdentityIsEncryptedAtRest(t *testing.T) {
	t.Parallel()
	repos, db := newRepos(t)
	ctx := context.Background()
	s := survivorWithIdentity(t, "mumbai", "s1", secretName, domain.Date{Year: 1994, Month: 7, Day: 23})
	if err := repos.Survivors.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := repos.Survivors.Get(ctx, all, "mumbai", "s1")
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("read back: err %v\n%+v\nwant\n%+v", err, got, s)
	}
	raw, err := db.Collection(mongodb.SurvivorsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: "s1"}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range [][]byte{[]byte(secretName), []byte("Distinctname"), []byte("1994-07-23"), []byte(secretContact),
		[]byte("90000"), []byte(secretAddress), []byte("PHOTO-PIXELS")} {
		if bytes.Contains(raw, secret) || bytes.Contains(bytes.ToLower(raw), bytes.ToLower(secret)) {
			t.Errorf("the stored document contains %q in clear", secret)
		}
	}
	for _, field := range []string{"legal_name", "date_of_birth", "family_contact", "address", "photo"} {
		v, err := raw.LookupErr(field)
		if err != nil || v.Type != bson.TypeBinary {
			t.Errorf("%s stored as %v (%v), want binary ciphertext", field, v.Type, err)
		}
	}
	if v, err := raw.LookupErr("identity_index"); err != nil || len(v.StringValue()) != 43 {
		t.Errorf("identity_index = %v (%v), want a 43-character blind index", v, err)
	}
}

func TestACiphertextMovedToAnotherRecordDoesNotDecrypt(t *testing.T) {
	t.Parallel()
	repos, db := newRepos(t)
	ctx := context.Background()
	for _, id := range []string{"s1", "s2"} {
		if err := repos.Survivors.Create(ctx, survivorWithIdentity(t, "mumbai", id, secretName, domain.Date{Year: 1990, Month: 1, Day: 2})); err != nil {
			t.Fatal(err)
		}
	}
	coll := db.Collection(mongodb.SurvivorsCollection)
	raw, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "s1"}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	_, stolen := raw.Lookup("legal_name").Binary()
	if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "s2"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "address", Value: stolen}}}}); err != nil {
		t.Fatal(err)
	}
	_, err = repos.Survivors.Get(ctx, all, "mumbai", "s2")
	if !errors.Is(err, fieldcrypt.ErrDecryptionFailed) {
		t.Fatalf("err = %v, want a decryption failure", err)
	}
	if strings.Contains(err.Error(), secretName) || !strings.Contains(err.Error(), "address of survivor offices/mumbai/survivors/s2") {
		t.Errorf("error = %q: want the record and field named, no identity", err)
	}
}

func TestErasureRemovesTheCiphertextsAndTheIndex(t *testing.T) {
	t.Parallel()
	repos, db := newRepos(t)
	ctx := context.Background()
	if err := repos.Survivors.Create(ctx, survivorWithIdentity(t, "mumbai", "s1", secretName, domain.Date{Year: 1990, Month: 1, Day: 2})); err != nil {
		t.Fatal(err)
	}
	erased, err := repos.Survivors.Update(ctx, all, "mumbai", "s1", func(s *domain.Survivor) (*domain.Survivor, error) {
		return s, s.EraseIdentity(domain.Change{Actor: "director", Time: t0.Add(time.Hour), Reason: "purpose served", RequestID: "e1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := repos.Survivors.Get(ctx, all, "mumbai", "s1")
	if err != nil || !reflect.DeepEqual(got, erased) || got.Erasure == nil || got.Erasure.RequestID != "e1" {
		t.Fatalf("read back: err %v\n%+v\nwant\n%+v", err, got, erased)
	}
	raw, err := db.Collection(mongodb.SurvivorsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: "s1"}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"legal_name", "date_of_birth", "family_contact", "address", "photo", "identity_index"} {
		if _, err := raw.LookupErr(field); err == nil {
			t.Errorf("%s is still stored after erasure", field)
		}
	}
}

func TestFindDuplicatesByBlindIndex(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	dob := domain.Date{Year: 1996, Month: 11, Day: 5}
	records := []*domain.Survivor{
		survivorWithIdentity(t, "mumbai", "a", "Asha Rani Devi", dob),
		survivorWithIdentity(t, "mumbai", "b", "  asha   RANI devi ", dob),
		survivorWithIdentity(t, "kolkata", "c", "ASHA RANI DEVI", dob),
		survivorWithIdentity(t, "mumbai", "d", "Asha Rani Devi", domain.Date{Year: 1996, Month: 11, Day: 6}),
		survivorWithIdentity(t, "mumbai", "e", "Usha Rani Devi", dob),
	}
	noDOB := survivorWithIdentity(t, "mumbai", "f", "Asha Rani Devi", dob)
	noDOB.DateOfBirth = nil
	records = append(records, noDOB)
	for _, s := range records {
		if err := repos.Survivors.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	names := func(refs []domain.SurvivorRef) []string {
		var out []string
		for _, r := range refs {
			out = append(out, r.Name()+"="+r.Pseudonym)
		}
		return out
	}
	refs, err := repos.Survivors.FindDuplicates(ctx, mumbai, "mumbai", "a", 10)
	if want := []string{"offices/mumbai/survivors/b=P-b"}; err != nil || !slices.Equal(names(refs), want) {
		t.Errorf("mumbai caller: %v, %v; want %v", names(refs), err, want)
	}
	refs, err = repos.Survivors.FindDuplicates(ctx, all, "mumbai", "a", 10)
	if want := []string{"offices/kolkata/survivors/c=P-c", "offices/mumbai/survivors/b=P-b"}; err != nil || !slices.Equal(names(refs), want) {
		t.Errorf("caller of both offices: %v, %v; want %v", names(refs), err, want)
	}
	refs, err = repos.Survivors.FindDuplicates(ctx, all, "mumbai", "a", 1)
	if err != nil || len(refs) != 1 {
		t.Errorf("limit 1: %v, %v", names(refs), err)
	}
	refs, err = repos.Survivors.FindDuplicates(ctx, all, "mumbai", "f", 10)
	if err != nil || len(refs) != 0 {
		t.Errorf("without a date of birth: %v, %v; want none", names(refs), err)
	}
}

func TestKeyRotationKeepsOldRecordsReadable(t *testing.T) {
	t.Parallel()
	keys, cfg := newKeyring(t)
	repos, db := newReposWith(t, keys)
	ctx := context.Background()
	dob := domain.Date{Year: 1990, Month: 1, Day: 2}
	old := survivorWithIdentity(t, "mumbai", "old", secretName, dob)
	if err := repos.Survivors.Create(ctx, old); err != nil {
		t.Fatal(err)
	}
	if err := fieldcrypt.Rotate(cfg, "mumbai"); err != nil {
		t.Fatal(err)
	}
	if err := keys.Reload(); err != nil {
		t.Fatal(err)
	}
	fresh := survivorWithIdentity(t, "mumbai", "new", secretName, dob)
	if err := repos.Survivors.Create(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	for _, want := range []*domain.Survivor{old, fresh} {
		got, err := repos.Survivors.Get(ctx, all, "mumbai", want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s after rotation: err %v", want.ID, err)
		}
	}
	keyOf := func(id string) uint32 {
		raw, err := db.Collection(mongodb.SurvivorsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if err != nil {
			t.Fatal(err)
		}
		_, ct := raw.Lookup("legal_name").Binary()
		kid, err := fieldcrypt.CiphertextKeyID(ct)
		if err != nil {
			t.Fatal(err)
		}
		return kid
	}
	primary, err := keys.PrimaryKeyID("mumbai")
	if err != nil {
		t.Fatal(err)
	}
	if keyOf("old") == primary || keyOf("new") != primary {
		t.Errorf("old record under key %d, new under %d; the primary is %d", keyOf("old"), keyOf("new"), primary)
	}
	// The blind index does not rotate with the office keys: duplicates across the rotation are found.
	refs, err := repos.Survivors.FindDuplicates(ctx, all, "mumbai", "new", 10)
	if err != nil || len(refs) != 1 || refs[0].ID != "old" {
		t.Errorf("duplicates across a rotation: %+v, %v", refs, err)
	}
}
