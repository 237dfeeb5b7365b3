package fieldcrypt_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/justiceops/justice/services/platform/fieldcrypt"
)

func TestRotateKeepsOldDataDecryptableAndNewDataUsesTheNewKey(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	before := mustOpen(t, cfg, true, "mumbai", "kolkata")
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "legal_name")
	oldCT := mustEncrypt(t, before, "mumbai", []byte("old record"), ad)
	oldID := mustPrimary(t, before, "mumbai")
	kolkataIDs := mustKeyIDs(t, before, "kolkata")

	if err := fieldcrypt.Rotate(cfg, "mumbai"); err != nil {
		t.Fatal(err)
	}

	after := mustOpen(t, cfg, false, "mumbai", "kolkata")
	newID := mustPrimary(t, after, "mumbai")
	if newID == oldID {
		t.Fatalf("primary key id %d did not change after Rotate", newID)
	}
	if ids := mustKeyIDs(t, after, "mumbai"); !slices.Equal(ids, []uint32{oldID, newID}) {
		t.Errorf("KeyIDs after Rotate = %v, want [%d %d] (old key kept)", ids, oldID, newID)
	}
	newCT := mustEncrypt(t, after, "mumbai", []byte("new record"), ad)
	if got := mustCiphertextKeyID(t, newCT); got != newID {
		t.Errorf("new ciphertext made with key %d, want the new primary %d", got, newID)
	}
	if got := mustCiphertextKeyID(t, oldCT); got != oldID {
		t.Errorf("old ciphertext's key id = %d, want %d", got, oldID)
	}
	mustDecryptEqual(t, after, "mumbai", oldCT, ad, []byte("old record"))
	mustDecryptEqual(t, after, "mumbai", newCT, ad, []byte("new record"))
	if ids := mustKeyIDs(t, after, "kolkata"); !slices.Equal(ids, kolkataIDs) {
		t.Errorf("rotating mumbai changed kolkata's keys: %v -> %v", kolkataIDs, ids)
	}
}

func TestRotateManyTimesKeepsEveryKey(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	k := mustOpen(t, cfg, true, "mumbai")
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "contact")
	var cts [][]byte
	for i := range 4 {
		if i > 0 {
			if err := fieldcrypt.Rotate(cfg, "mumbai"); err != nil {
				t.Fatal(err)
			}
			if err := k.Reload(); err != nil {
				t.Fatal(err)
			}
		}
		cts = append(cts, mustEncrypt(t, k, "mumbai", fmt.Appendf(nil, "generation %d", i), ad))
	}
	if n := len(mustKeyIDs(t, k, "mumbai")); n != 4 {
		t.Errorf("keyset has %d keys after 3 rotations, want 4", n)
	}
	for i, ct := range cts {
		mustDecryptEqual(t, k, "mumbai", ct, ad, fmt.Appendf(nil, "generation %d", i))
	}
}

func TestReloadPicksUpARotationMadeByAnotherKeyring(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	mine := mustOpen(t, cfg, true, "mumbai")
	theirs := mustOpen(t, cfg, false, "mumbai")
	oldID := mustPrimary(t, mine, "mumbai")

	// Another process rotates: only the files change.
	if err := fieldcrypt.Rotate(cfg, "mumbai"); err != nil {
		t.Fatal(err)
	}
	if got := mustPrimary(t, mine, "mumbai"); got != oldID {
		t.Fatalf("primary changed to %d before Reload", got)
	}
	if err := mine.Reload(); err != nil {
		t.Fatal(err)
	}
	newID := mustPrimary(t, mine, "mumbai")
	if newID == oldID {
		t.Fatal("Reload did not pick up the rotation")
	}
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "legal_name")
	ct := mustEncrypt(t, mine, "mumbai", []byte("x"), ad)
	if got := mustCiphertextKeyID(t, ct); got != newID {
		t.Errorf("after Reload new data uses key %d, want %d", got, newID)
	}
	// A Keyring that has not reloaded lacks the new key...
	if _, err := theirs.Decrypt("mumbai", ct, ad); !errors.Is(err, fieldcrypt.ErrDecryptionFailed) {
		t.Errorf("a stale Keyring decrypted data made with a key it never loaded: err = %v", err)
	}
	// ...until it reloads too.
	if err := theirs.Reload(); err != nil {
		t.Fatal(err)
	}
	mustDecryptEqual(t, theirs, "mumbai", ct, ad, []byte("x"))
}

func TestConcurrentRotationsNeverLoseAKey(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	mustOpen(t, cfg, true, "mumbai")
	const rotations = 8
	var wg sync.WaitGroup
	errc := make(chan error, rotations)
	for range rotations {
		wg.Go(func() { errc <- fieldcrypt.Rotate(cfg, "mumbai") })
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	k := mustOpen(t, cfg, false, "mumbai")
	if n := len(mustKeyIDs(t, k, "mumbai")); n != rotations+1 {
		t.Errorf("keyset has %d keys after %d concurrent rotations, want %d (a rotation was lost)", n, rotations, rotations+1)
	}
}

func TestRotateRejectsWhatItCannotRotate(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	mustOpen(t, cfg, true, "mumbai")
	noMaster := newConfig(t)
	tests := []struct {
		name     string
		cfg      fieldcrypt.Config
		office   string
		want     string
		notExist bool
	}{
		{"office without a keyset file", cfg, "kolkata", cfg.OfficeKeysetPath("kolkata"), true},
		{"invalid office code", cfg, "Mumbai", `"Mumbai"`, false},
		{"missing master key file", noMaster, "mumbai", noMaster.MasterKeyPath(), true},
		{"empty KeysDir", fieldcrypt.Config{}, "mumbai", "KEYS_DIR", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := fieldcrypt.Rotate(tt.cfg, tt.office)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Rotate err = %v, want one mentioning %s", err, tt.want)
			}
			if tt.notExist && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("err %v does not wrap fs.ErrNotExist", err)
			}
		})
	}
	if _, err := os.Stat(cfg.OfficeKeysetPath("kolkata")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Rotate created a keyset for an office that had none")
	}
}

func TestFailedReloadKeepsTheLoadedKeys(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	k := mustOpen(t, cfg, true, "mumbai")
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "legal_name")
	ct := mustEncrypt(t, k, "mumbai", []byte("x"), ad)
	if err := os.WriteFile(cfg.OfficeKeysetPath("mumbai"), []byte(`{"encryptedKeyset":"AAAA"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := k.Reload()
	if err == nil || !strings.Contains(err.Error(), cfg.OfficeKeysetPath("mumbai")) {
		t.Fatalf("Reload of a corrupted keyset err = %v, want one naming the file", err)
	}
	mustDecryptEqual(t, k, "mumbai", ct, ad, []byte("x"))
	mustEncrypt(t, k, "mumbai", []byte("y"), ad)
}

func TestEncryptAndDecryptAreSafeDuringReload(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	k := mustOpen(t, cfg, true, "mumbai", "kolkata")
	const workers, rounds, rotations = 4, 50, 5
	var wg sync.WaitGroup
	errc := make(chan error, workers+1)
	for w := range workers {
		office := []string{"mumbai", "kolkata"}[w%2]
		wg.Go(func() {
			ad := fieldcrypt.AssociatedData(fmt.Sprintf("offices/%s/survivors/w%d", office, w), "legal_name")
			for i := range rounds {
				want := fmt.Appendf(nil, "worker %d round %d", w, i)
				ct, err := k.Encrypt(office, want, ad)
				if err != nil {
					errc <- err
					return
				}
				got, err := k.Decrypt(office, ct, ad)
				if err != nil {
					errc <- err
					return
				}
				if string(got) != string(want) {
					errc <- fmt.Errorf("decrypted %q, want %q", got, want)
					return
				}
				if _, err := k.BlindIndex("Asha Rani", "2009-03-14"); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range rotations {
			if err := fieldcrypt.Rotate(cfg, "mumbai"); err != nil {
				errc <- err
				return
			}
			if err := k.Reload(); err != nil {
				errc <- err
				return
			}
		}
	})
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if n := len(mustKeyIDs(t, k, "mumbai")); n != rotations+1 {
		t.Errorf("mumbai has %d keys, want %d", n, rotations+1)
	}
}
