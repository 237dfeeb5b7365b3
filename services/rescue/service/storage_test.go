package service_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/embedstore"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/platform/mongostore"
)

// Distinctive identity written by the storage tests.
const (
	rawLegalName      = "Zohra Rawfiletest Khatun"
	rawContactDigits  = "93333 44444"
	rawAddress        = "Flat 12 Rawfiletest Chawl"
	rawPseudonym      = "Pseudorawfile"
	rotationLegalName = "Kamala Rotationtest Das"
)

// storedForms are the byte strings under which secret could appear in a raw
// database file: as text in any case, and, since binary values are stored
// encoded (FerretDB's SQLite backend keeps BSON binary as base64 in JSON),
// base64 (standard and URL alphabets) and hex of the secret in its three
// possible alignments to the encoder's 3-byte groups. Text forms are
// returned lower-cased, to be matched against lower-cased data; encoded
// forms are exact.
func storedForms(secret string) (text []byte, encoded [][]byte) {
	var forms []string
	for _, variant := range []string{secret, strings.ToLower(secret), strings.ToUpper(secret)} {
		for k := range 3 {
			b := []byte(variant)[k:]
			b = b[:len(b)/3*3]
			if len(b) < 6 {
				continue
			}
			forms = append(forms, base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b))
		}
		forms = append(forms, hex.EncodeToString([]byte(variant)))
	}
	slices.Sort(forms)
	for _, f := range slices.Compact(forms) {
		encoded = append(encoded, []byte(f))
	}
	return []byte(strings.ToLower(secret)), encoded
}

// TestRawDatabaseFilesHoldNoIdentity writes survivors through the API onto
// an embedded store of its own, closes the store and searches every file it
// left on disk (SQLite databases, journals, anything) for the identity sent,
// in clear or merely encoded: names in any case, the date of birth in the
// common formats, the contact, the address, the photo. Two controls prove
// the search sees what is stored: the pseudonym (text, in clear) and a
// marker stored as clear binary must both be found.
func TestRawDatabaseFilesHoldNoIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := embedstore.Start(ctx, dir, "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = store.Close()
		}
	})
	client, err := mongostore.Connect(ctx, mongostore.Config{URI: store.URI(), Database: "rescue",
		ConnectTimeout: 10 * time.Second, OperationTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e := startWith(t, options{db: client.Database("rescue")})

	o := e.conductedOperation(t, "mumbai")
	dob := &date.Date{Year: int32(time.Now().Year() - 27), Month: 3, Day: 27}
	in := adult(o.GetName())
	in.Pseudonym, in.LegalName, in.DateOfBirth, in.AgeAtRescue = rawPseudonym, rawLegalName, dob, 27
	in.FamilyContact, in.Address = "brother +91 "+rawContactDigits, rawAddress
	in.Photo = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, []byte("RAWFILE-PHOTO-MARKER")...)
	var names []string
	for i, requestID := range []string{"raw-create-1", ""} {
		sv, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: in, RequestId: requestID})
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		names = append(names, sv.GetName())
	}
	// A retry answered from the idempotency store, an update, reads, a duplicate search.
	if _, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: in, RequestId: "raw-create-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateSurvivor(ctxT(t), &rescuev1.UpdateSurvivorRequest{
		Survivor:   &rescuev1.Survivor{Name: names[1], FamilyContact: "sister +91 " + rawContactDigits},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"family_contact"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListSurvivors(ctxT(t), &rescuev1.ListSurvivorsRequest{Parent: "offices/-"}); err != nil {
		t.Fatal(err)
	}
	dups, err := e.client.FindSurvivorDuplicates(ctxT(t), &rescuev1.FindSurvivorDuplicatesRequest{Name: names[0]})
	if err != nil || len(dups.GetPossibleDuplicates()) != 1 {
		t.Fatalf("duplicates: %v, %v", dups, err)
	}
	const binaryControl = "CONTROL-binary-marker-7Q"
	if _, err := e.db.Collection("search_control").InsertOne(ctx, bson.D{{Key: "blob", Value: []byte("xy" + binaryControl)}}); err != nil {
		t.Fatal(err)
	}

	e.stop()
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Disconnect(dctx); err != nil {
		t.Fatal(err)
	}
	closed = true
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	y, m, d := dob.GetYear(), dob.GetMonth(), dob.GetDay()
	dates := []string{
		fmt.Sprintf("%04d-%02d-%02d", y, m, d), fmt.Sprintf("%02d/%02d/%04d", d, m, y), fmt.Sprintf("%02d-%02d-%04d", d, m, y),
		fmt.Sprintf("%02d/%02d/%04d", m, d, y), fmt.Sprintf("%04d%02d%02d", y, m, d), fmt.Sprintf("%02d.%02d.%04d", d, m, y),
		fmt.Sprintf("%04d/%02d/%02d", y, m, d), fmt.Sprintf("%d-%d-%d", y, m, d), fmt.Sprintf("%04d %02d %02d", y, m, d),
	}
	secrets := append([]string{rawLegalName, "Rawfiletest", "Zohra", "Khatun", rawContactDigits, "9333344444", rawAddress,
		"RAWFILE-PHOTO-MARKER"}, dates...)
	var files int
	var pseudonymFound, binaryFound bool
	_, controlForms := storedForms(binaryControl)
	err = filepath.WalkDir(dir, func(file string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		files++
		lower := bytes.ToLower(data)
		for _, secret := range secrets {
			text, encoded := storedForms(secret)
			if bytes.Contains(lower, text) {
				t.Errorf("%s holds %q in clear", filepath.Base(file), secret)
			}
			for _, form := range encoded {
				if bytes.Contains(data, form) {
					t.Errorf("%s holds %q encoded as %q", filepath.Base(file), secret, form)
				}
			}
		}
		pseudonymFound = pseudonymFound || bytes.Contains(data, []byte(rawPseudonym))
		for _, form := range controlForms {
			binaryFound = binaryFound || bytes.Contains(data, form)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 || !pseudonymFound || !binaryFound {
		t.Fatalf("searched %d files; found the clear pseudonym %v, the clear binary control %v: the search cannot see what is stored",
			files, pseudonymFound, binaryFound)
	}
}

// TestKeyRotation rotates mumbai's key while the service runs: records
// written before still read, records written after use the new key.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.conductedOperation(t, "mumbai")
	in := adult(o.GetName())
	in.LegalName, in.DateOfBirth = rotationLegalName, bornYearsAgo(22)
	before, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: in})
	if err != nil {
		t.Fatal(err)
	}
	if err := fieldcrypt.Rotate(e.cfg.Keys, "mumbai"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	after, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: in})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{before.GetName(), after.GetName()} {
		got, err := e.client.GetSurvivor(ctxT(t), &rescuev1.GetSurvivorRequest{Name: name})
		if err != nil || got.GetLegalName() != rotationLegalName {
			t.Errorf("%s after the rotation: legal name read back %v, err %v", name, got.GetLegalName() == rotationLegalName, err)
		}
	}
	keys, err := fieldcrypt.Open(e.cfg.Keys, []string{"kolkata", "mumbai"}, false)
	if err != nil {
		t.Fatal(err)
	}
	primary, err := keys.PrimaryKeyID("mumbai")
	if err != nil {
		t.Fatal(err)
	}
	keyOf := func(name string) uint32 {
		t.Helper()
		raw, err := e.db.Collection("survivors").FindOne(context.Background(), bson.D{{Key: "_id", Value: path.Base(name)}}).Raw()
		if err != nil {
			t.Fatal(err)
		}
		_, ct := raw.Lookup("legal_name").Binary()
		id, err := fieldcrypt.CiphertextKeyID(ct)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if keyOf(before.GetName()) == primary || keyOf(after.GetName()) != primary {
		t.Errorf("before the rotation under key %d, after under %d; the new primary is %d",
			keyOf(before.GetName()), keyOf(after.GetName()), primary)
	}
	dups, err := e.client.FindSurvivorDuplicates(ctxT(t), &rescuev1.FindSurvivorDuplicatesRequest{Name: after.GetName()})
	if err != nil || len(dups.GetPossibleDuplicates()) != 1 || dups.GetPossibleDuplicates()[0].GetName() != before.GetName() {
		t.Errorf("duplicates across the rotation: %v, %v", dups, err)
	}
}
