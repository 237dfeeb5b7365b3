package fieldcrypt_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	aesgcmpb "github.com/tink-crypto/tink-go/v2/proto/aes_gcm_go_proto"
	hmacprfpb "github.com/tink-crypto/tink-go/v2/proto/hmac_prf_go_proto"
	"google.golang.org/protobuf/proto"
)

func TestEncryptThenDecryptReturnsThePlaintext(t *testing.T) {
	t.Parallel()
	k := mustOpen(t, newConfig(t), true, "mumbai", "kolkata")
	big := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	tests := []struct {
		name      string
		office    string
		plaintext []byte
	}{
		{"empty plaintext", "mumbai", []byte{}},
		{"latin name", "mumbai", []byte("Zorawarine Quillbrook")},
		{"devanagari name", "mumbai", []byte("आशा रानी")},
		{"bengali name", "kolkata", []byte("আশা রানী")},
		{"binary photo bytes", "kolkata", []byte{0x00, 0xff, 0x89, 'P', 'N', 'G', 0x00}},
		{"64 KiB field", "kolkata", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ad := fieldcrypt.AssociatedData("offices/"+tt.office+"/survivors/abc", "legal_name")
			ct := mustEncrypt(t, k, tt.office, tt.plaintext, ad)
			mustDecryptEqual(t, k, tt.office, ct, ad, tt.plaintext)
		})
	}
}

func TestCiphertextNeverContainsThePlaintext(t *testing.T) {
	t.Parallel()
	k := mustOpen(t, newConfig(t), true, "mumbai")
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "legal_name")
	for _, plaintext := range []string{
		"Zorawarine Quillbrook",
		"2009-03-14",
		"+91 98765 43210",
		"आशा रानी",
		strings.Repeat("A", 1000),
	} {
		ct1 := mustEncrypt(t, k, "mumbai", []byte(plaintext), ad)
		ct2 := mustEncrypt(t, k, "mumbai", []byte(plaintext), ad)
		for _, ct := range [][]byte{ct1, ct2} {
			if bytes.Contains(ct, []byte(plaintext)) {
				t.Errorf("ciphertext of %q contains the plaintext", plaintext)
			}
			// A long run of a repeated byte would survive in any
			// non-encrypting encoding; check a slice of it too.
			if len(plaintext) > 16 && bytes.Contains(ct, []byte(plaintext[:16])) {
				t.Errorf("ciphertext of %q contains 16 plaintext bytes", plaintext)
			}
		}
		if bytes.Equal(ct1, ct2) {
			t.Errorf("encrypting %q twice gave the same ciphertext; encryption must be randomised", plaintext)
		}
	}
}

func TestDecryptFailsUnlessOfficeRecordAndFieldMatch(t *testing.T) {
	t.Parallel()
	k := mustOpen(t, newConfig(t), true, "mumbai", "kolkata")
	plaintext := []byte("Zorawarine Quillbrook")
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "legal_name")
	ct := mustEncrypt(t, k, "mumbai", plaintext, ad)

	tests := []struct {
		name   string
		office string
		ct     []byte
		ad     []byte
	}{
		{"wrong associated data", "mumbai", ct, []byte("something else")},
		{"empty associated data", "mumbai", ct, nil},
		{"another record", "mumbai", ct, fieldcrypt.AssociatedData("offices/mumbai/survivors/abd", "legal_name")},
		{"another field of the record", "mumbai", ct, fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "contact")},
		{"another office's keys", "kolkata", ct, ad},
		{"truncated ciphertext", "mumbai", ct[:len(ct)-1], ad},
		{"prefix only", "mumbai", ct[:5], ad},
		{"empty ciphertext", "mumbai", nil, ad},
		{"extra trailing byte", "mumbai", append(append([]byte{}, ct...), 0), ad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := k.Decrypt(tt.office, tt.ct, tt.ad)
			if !errors.Is(err, fieldcrypt.ErrDecryptionFailed) {
				t.Fatalf("Decrypt = %q, %v; want an error wrapping ErrDecryptionFailed", got, err)
			}
			if got != nil {
				t.Errorf("Decrypt returned %q with its error, want nil", got)
			}
			if strings.Contains(err.Error(), string(plaintext)) {
				t.Errorf("error %q contains the plaintext", err)
			}
		})
	}
}

func TestDecryptDetectsEveryTamperedByte(t *testing.T) {
	t.Parallel()
	k := mustOpen(t, newConfig(t), true, "mumbai")
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "date_of_birth")
	ct := mustEncrypt(t, k, "mumbai", []byte("2009-03-14"), ad)
	// Prefix (key id), nonce, body and tag: flipping any bit is detected.
	for i := range ct {
		tampered := bytes.Clone(ct)
		tampered[i] ^= 0x01
		if _, err := k.Decrypt("mumbai", tampered, ad); !errors.Is(err, fieldcrypt.ErrDecryptionFailed) {
			t.Errorf("byte %d of %d flipped: Decrypt err = %v, want ErrDecryptionFailed", i, len(ct), err)
		}
	}
}

func TestOfficesTheKeyringWasNotOpenedForAreRejected(t *testing.T) {
	t.Parallel()
	k := mustOpen(t, newConfig(t), true, "mumbai")
	ad := fieldcrypt.AssociatedData("offices/chennai/survivors/abc", "legal_name")
	ct := mustEncrypt(t, k, "mumbai", []byte("x"), ad)
	checks := map[string]func() error{
		"Encrypt":      func() error { _, err := k.Encrypt("chennai", []byte("x"), ad); return err },
		"Decrypt":      func() error { _, err := k.Decrypt("chennai", ct, ad); return err },
		"KeyIDs":       func() error { _, err := k.KeyIDs("chennai"); return err },
		"PrimaryKeyID": func() error { _, err := k.PrimaryKeyID("chennai"); return err },
	}
	for name, call := range checks {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := call()
			if !errors.Is(err, fieldcrypt.ErrUnknownOffice) {
				t.Fatalf("%s(chennai) err = %v, want ErrUnknownOffice", name, err)
			}
			if !strings.Contains(err.Error(), `"chennai"`) {
				t.Errorf("error %q does not name the office", err)
			}
		})
	}
	if got := k.Offices(); len(got) != 1 || got[0] != "mumbai" {
		t.Errorf("Offices() = %v, want [mumbai]", got)
	}
}

func TestOpenWithoutCreateOnAnEmptyDirNamesTheMissingMasterKeyFile(t *testing.T) {
	t.Parallel()
	cfg := fieldcrypt.Config{KeysDir: t.TempDir()}
	_, err := fieldcrypt.Open(cfg, []string{"mumbai"}, false)
	if err == nil {
		t.Fatal("Open(create=false) on an empty dir succeeded")
	}
	want := filepath.Join(cfg.KeysDir, "master-key.json")
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the missing file %s", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
	entries, err := os.ReadDir(cfg.KeysDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("Open(create=false) wrote %d files into the dir", len(entries))
	}
}

func TestOpenWithoutCreateNamesEachMissingKeysetFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		remove  string
		offices []string
		want    string
	}{
		{"office not created yet", "", []string{"mumbai", "kolkata"}, "office-kolkata.keyset.json"},
		{"office keyset deleted", "office-mumbai.keyset.json", []string{"mumbai"}, "office-mumbai.keyset.json"},
		{"blind-index keyset deleted", "blind-index.keyset.json", []string{"mumbai"}, "blind-index.keyset.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := newConfig(t)
			mustOpen(t, cfg, true, "mumbai")
			if tt.remove != "" {
				if err := os.Remove(filepath.Join(cfg.KeysDir, tt.remove)); err != nil {
					t.Fatal(err)
				}
			}
			_, err := fieldcrypt.Open(cfg, tt.offices, false)
			if err == nil {
				t.Fatal("Open(create=false) succeeded with a keyset file missing")
			}
			if !strings.Contains(err.Error(), filepath.Join(cfg.KeysDir, tt.want)) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("error %v does not wrap fs.ErrNotExist", err)
			}
		})
	}
}

func TestOpenWithCreateKeepsExistingKeysAndAddsNewOffices(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	first := mustOpen(t, cfg, true, "mumbai")
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "legal_name")
	ct := mustEncrypt(t, first, "mumbai", []byte("Zorawarine Quillbrook"), ad)
	index, err := first.BlindIndex("Zorawarine Quillbrook")
	if err != nil {
		t.Fatal(err)
	}

	second := mustOpen(t, cfg, true, "mumbai", "kolkata")
	mustDecryptEqual(t, second, "mumbai", ct, ad, []byte("Zorawarine Quillbrook"))
	if got, _ := second.BlindIndex("Zorawarine Quillbrook"); got != index {
		t.Errorf("blind index changed after reopening with create: %s != %s", got, index)
	}
	if mustPrimary(t, second, "mumbai") != mustPrimary(t, first, "mumbai") {
		t.Error("reopening with create replaced the mumbai key")
	}
	kad := fieldcrypt.AssociatedData("offices/kolkata/survivors/abc", "legal_name")
	kct := mustEncrypt(t, second, "kolkata", []byte("x"), kad)

	third := mustOpen(t, cfg, false, "kolkata", "mumbai", "mumbai")
	mustDecryptEqual(t, third, "kolkata", kct, kad, []byte("x"))
	if got := third.Offices(); strings.Join(got, ",") != "kolkata,mumbai" {
		t.Errorf("Offices() = %v, want [kolkata mumbai] (sorted, without duplicates)", got)
	}
}

func TestOpenRefusesToReplaceALostMasterKeyWhileKeysetsExist(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	mustOpen(t, cfg, true, "mumbai")
	master := cfg.MasterKeyPath()
	if err := os.Remove(master); err != nil {
		t.Fatal(err)
	}
	_, err := fieldcrypt.Open(cfg, []string{"mumbai"}, true)
	if err == nil {
		t.Fatal("Open(create=true) made a new master key although keysets encrypted with the old one exist")
	}
	if !strings.Contains(err.Error(), master) || !strings.Contains(err.Error(), "restore") {
		t.Errorf("error %q should name %s and say to restore it", err, master)
	}
	if _, statErr := os.Stat(master); !errors.Is(statErr, fs.ErrNotExist) {
		t.Errorf("a new master key file was written: stat err = %v", statErr)
	}
}

func TestOpenRejectsBadConfigAndOfficeCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name    string
		cfg     fieldcrypt.Config
		offices []string
		want    string
	}{
		{"empty KeysDir", fieldcrypt.Config{}, []string{"mumbai"}, "KEYS_DIR"},
		{"upper-case office", fieldcrypt.Config{KeysDir: dir}, []string{"Mumbai"}, `"Mumbai"`},
		{"path traversal in office", fieldcrypt.Config{KeysDir: dir}, []string{"../etc"}, `"../etc"`},
		{"empty office", fieldcrypt.Config{KeysDir: dir}, []string{""}, `""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, create := range []bool{false, true} {
				_, err := fieldcrypt.Open(tt.cfg, tt.offices, create)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Open(create=%v) err = %v, want one mentioning %s", create, err, tt.want)
				}
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("rejected Opens wrote %d files", len(entries))
	}
}

func TestAKeysetFileCopiedToAnotherOfficeDoesNotLoad(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	mustOpen(t, cfg, true, "mumbai")
	// The associated data of a keyset file is its purpose, so mumbai's keys
	// cannot be passed off as kolkata's.
	copyFile(t, cfg.OfficeKeysetPath("mumbai"), cfg.OfficeKeysetPath("kolkata"))
	_, err := fieldcrypt.Open(cfg, []string{"kolkata"}, false)
	if err == nil {
		t.Fatal("mumbai's keyset loaded as kolkata's")
	}
	if !strings.Contains(err.Error(), cfg.OfficeKeysetPath("kolkata")) {
		t.Errorf("error %q does not name the file", err)
	}
	copyFile(t, cfg.OfficeKeysetPath("mumbai"), cfg.BlindIndexKeysetPath())
	if _, err := fieldcrypt.Open(cfg, []string{"mumbai"}, false); err == nil {
		t.Fatal("an office keyset loaded as the blind-index keyset")
	}
}

func TestKeysetFilesOpenOnlyWithTheirOwnMasterKey(t *testing.T) {
	t.Parallel()
	a, b := newConfig(t), newConfig(t)
	mustOpen(t, a, true, "mumbai")
	mustOpen(t, b, true, "mumbai")
	copyFile(t, b.MasterKeyPath(), a.MasterKeyPath())
	_, err := fieldcrypt.Open(a, []string{"mumbai"}, false)
	if err == nil {
		t.Fatal("keysets opened with another key ring's master key")
	}
	if !strings.Contains(err.Error(), "cannot be decrypted") {
		t.Errorf("error %q should say the keyset cannot be decrypted", err)
	}
}

func TestAllFilesAreOwnerOnlyAndNoTemporaryFilesRemain(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	mustOpen(t, cfg, true, "mumbai", "kolkata")
	if err := fieldcrypt.Rotate(cfg, "mumbai"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(cfg.KeysDir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("KeysDir mode = %o, want 700", perm)
	}
	entries, err := os.ReadDir(cfg.KeysDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s mode = %o, want 600", e.Name(), perm)
		}
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	want := []string{".fieldcrypt.lock", "blind-index.keyset.json", "master-key.json",
		"office-kolkata.keyset.json", "office-mumbai.keyset.json"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("files = %v, want %v", names, want)
	}
}

// keyValues returns the raw secret key bytes of every key in the keyset in
// path, decrypted with master and purpose.
func keyValues(t *testing.T, cfg fieldcrypt.Config, path, purpose string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewJSONReader(bytes.NewReader(data)),
		readMaster(t, cfg.MasterKeyPath()), []byte(purpose))
	if err != nil {
		t.Fatalf("%s does not decrypt with associated data %q: %v", path, purpose, err)
	}
	var values [][]byte
	for _, key := range insecurecleartextkeyset.KeysetMaterial(h).GetKey() {
		var value []byte
		switch {
		case strings.HasSuffix(key.GetKeyData().GetTypeUrl(), "AesGcmKey"):
			var k aesgcmpb.AesGcmKey
			if err := proto.Unmarshal(key.GetKeyData().GetValue(), &k); err != nil {
				t.Fatal(err)
			}
			value = k.GetKeyValue()
		case strings.HasSuffix(key.GetKeyData().GetTypeUrl(), "HmacPrfKey"):
			var k hmacprfpb.HmacPrfKey
			if err := proto.Unmarshal(key.GetKeyData().GetValue(), &k); err != nil {
				t.Fatal(err)
			}
			value = k.GetKeyValue()
		default:
			t.Fatalf("%s holds an unexpected key type %s", path, key.GetKeyData().GetTypeUrl())
		}
		if len(value) != 32 {
			t.Fatalf("%s: key of %d bytes, want 32", path, len(value))
		}
		values = append(values, value, key.GetKeyData().GetValue())
	}
	return values
}

// encodings returns the forms in which secret bytes could leak into a file.
func encodings(secret []byte) [][]byte {
	return [][]byte{
		secret,
		[]byte(base64.StdEncoding.EncodeToString(secret)),
		[]byte(base64.RawStdEncoding.EncodeToString(secret)),
		[]byte(base64.RawURLEncoding.EncodeToString(secret)),
		[]byte(hex.EncodeToString(secret)),
	}
}

func TestOnlyTheMasterKeyFileHoldsCleartextKeyMaterial(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	mustOpen(t, cfg, true, "mumbai", "kolkata")
	if err := fieldcrypt.Rotate(cfg, "kolkata"); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		cfg.OfficeKeysetPath("mumbai"):  "fieldcrypt/office/mumbai",
		cfg.OfficeKeysetPath("kolkata"): "fieldcrypt/office/kolkata",
		cfg.BlindIndexKeysetPath():      "fieldcrypt/blind-index",
	}
	var secrets [][]byte
	for path, purpose := range files {
		secrets = append(secrets, keyValues(t, cfg, path, purpose)...)
	}
	for path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(`"encryptedKeyset"`)) {
			t.Errorf("%s is not an encrypted keyset", path)
		}
		if bytes.Contains(data, []byte("keyMaterialType")) || bytes.Contains(data, []byte(`"value"`)) {
			t.Errorf("%s contains cleartext key data fields", path)
		}
		for _, s := range secrets {
			for _, enc := range encodings(s) {
				if bytes.Contains(data, enc) {
					t.Errorf("%s contains key material in the clear", path)
				}
			}
		}
	}

	// Positive control: the same search finds the master key in its own
	// cleartext file, so the search above would have found a leak.
	master, err := os.ReadFile(cfg.MasterKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	mk := insecurecleartextkeyset.KeysetMaterial(readMasterHandle(t, cfg.MasterKeyPath())).GetKey()[0].GetKeyData().GetValue()
	if !bytes.Contains(master, []byte(base64.StdEncoding.EncodeToString(mk))) {
		t.Error("the master key file does not hold its key in the clear; the leak search above proves nothing")
	}
}

func TestMasterKeyFileDefaultsToKeysDirAndMayLiveElsewhere(t *testing.T) {
	t.Parallel()
	cfg := fieldcrypt.Config{KeysDir: "/data/keys"}
	if got := cfg.MasterKeyPath(); got != "/data/keys/master-key.json" {
		t.Errorf("default MasterKeyPath() = %s, want /data/keys/master-key.json", got)
	}

	root := t.TempDir()
	cfg = fieldcrypt.Config{
		KeysDir:       filepath.Join(root, "keys"),
		MasterKeyFile: filepath.Join(root, "secrets", "master.json"),
	}
	k := mustOpen(t, cfg, true, "mumbai")
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "legal_name")
	ct := mustEncrypt(t, k, "mumbai", []byte("x"), ad)
	for path, want := range map[string]os.FileMode{
		filepath.Join(root, "secrets"):                0o700,
		cfg.MasterKeyFile:                             0o600,
		filepath.Join(cfg.KeysDir, "master-key.json"): 0,
	} {
		info, err := os.Stat(path)
		if want == 0 {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s exists although MasterKeyFile points elsewhere", path)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s mode = %o, want %o", path, info.Mode().Perm(), want)
		}
	}
	mustDecryptEqual(t, mustOpen(t, cfg, false, "mumbai"), "mumbai", ct, ad, []byte("x"))
}

func TestConfigValidateRequiresKeysDir(t *testing.T) {
	t.Parallel()
	if err := (fieldcrypt.Config{}).Validate(); err == nil || !strings.Contains(err.Error(), "KEYS_DIR") {
		t.Errorf("Validate() of an empty Config = %v, want an error naming KEYS_DIR", err)
	}
	if err := (fieldcrypt.Config{KeysDir: "/data/keys"}).Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
}

func TestOpenWithMasterUsesTheGivenAEADAndWritesNoMasterFile(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	master := newMemoryMaster(t)
	k, err := fieldcrypt.OpenWithMaster(cfg, master, []string{"mumbai"}, true)
	if err != nil {
		t.Fatal(err)
	}
	ad := fieldcrypt.AssociatedData("offices/mumbai/survivors/abc", "legal_name")
	ct := mustEncrypt(t, k, "mumbai", []byte("x"), ad)
	if _, err := os.Stat(cfg.MasterKeyPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenWithMaster wrote a master key file: stat err = %v", err)
	}
	if err := fieldcrypt.RotateWithMaster(cfg, master, "mumbai"); err != nil {
		t.Fatal(err)
	}
	again, err := fieldcrypt.OpenWithMaster(cfg, master, []string{"mumbai"}, false)
	if err != nil {
		t.Fatal(err)
	}
	mustDecryptEqual(t, again, "mumbai", ct, ad, []byte("x"))
	if n := len(mustKeyIDs(t, again, "mumbai")); n != 2 {
		t.Errorf("after RotateWithMaster the keyset has %d keys, want 2", n)
	}
	if _, err := fieldcrypt.OpenWithMaster(cfg, newMemoryMaster(t), []string{"mumbai"}, false); err == nil {
		t.Error("OpenWithMaster succeeded with another master AEAD")
	}
	if _, err := fieldcrypt.OpenWithMaster(cfg, nil, []string{"mumbai"}, false); err == nil {
		t.Error("OpenWithMaster succeeded with a nil master AEAD")
	}
	if err := fieldcrypt.RotateWithMaster(cfg, nil, "mumbai"); err == nil {
		t.Error("RotateWithMaster succeeded with a nil master AEAD")
	}
}

func TestCiphertextKeyIDReadsTinksPrefix(t *testing.T) {
	t.Parallel()
	k := mustOpen(t, newConfig(t), true, "mumbai")
	ct := mustEncrypt(t, k, "mumbai", []byte("x"), nil)
	if got, want := mustCiphertextKeyID(t, ct), mustPrimary(t, k, "mumbai"); got != want {
		t.Errorf("CiphertextKeyID = %d, want the primary key id %d", got, want)
	}
	for name, bad := range map[string][]byte{
		"empty":          nil,
		"shorter than 5": {0x01, 0, 0, 1},
		"raw prefix":     {0x00, 0, 0, 0, 1, 2},
		"legacy prefix":  {0x00, 0, 0, 0, 0},
	} {
		if _, err := fieldcrypt.CiphertextKeyID(bad); err == nil {
			t.Errorf("CiphertextKeyID(%s) succeeded", name)
		}
	}
}

func TestAssociatedDataSeparatesRecordAndField(t *testing.T) {
	t.Parallel()
	if bytes.Equal(fieldcrypt.AssociatedData("offices/mumbai/survivors/a", "bc"),
		fieldcrypt.AssociatedData("offices/mumbai/survivors/ab", "c")) {
		t.Error("AssociatedData does not separate the resource name from the field")
	}
	if !bytes.Equal(fieldcrypt.AssociatedData("offices/mumbai/survivors/a", "legal_name"),
		fieldcrypt.AssociatedData("offices/mumbai/survivors/a", "legal_name")) {
		t.Error("AssociatedData is not deterministic")
	}
}
