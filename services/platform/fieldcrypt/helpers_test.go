package fieldcrypt_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// newConfig returns a Config whose KeysDir does not exist yet.
func newConfig(t *testing.T) fieldcrypt.Config {
	t.Helper()
	return fieldcrypt.Config{KeysDir: filepath.Join(t.TempDir(), "keys")}
}

// mustOpen opens (creating) the key ring of offices under cfg.
func mustOpen(t *testing.T, cfg fieldcrypt.Config, create bool, offices ...string) *fieldcrypt.Keyring {
	t.Helper()
	k, err := fieldcrypt.Open(cfg, offices, create)
	if err != nil {
		t.Fatalf("Open(%v, create=%v): %v", offices, create, err)
	}
	return k
}

func mustEncrypt(t *testing.T, k *fieldcrypt.Keyring, office string, plaintext, ad []byte) []byte {
	t.Helper()
	ct, err := k.Encrypt(office, plaintext, ad)
	if err != nil {
		t.Fatalf("Encrypt(%s): %v", office, err)
	}
	return ct
}

func mustDecryptEqual(t *testing.T, k *fieldcrypt.Keyring, office string, ct, ad, want []byte) {
	t.Helper()
	got, err := k.Decrypt(office, ct, ad)
	if err != nil {
		t.Fatalf("Decrypt(%s): %v", office, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Decrypt(%s) = %q, want %q", office, got, want)
	}
}

func mustPrimary(t *testing.T, k *fieldcrypt.Keyring, office string) uint32 {
	t.Helper()
	id, err := k.PrimaryKeyID(office)
	if err != nil {
		t.Fatalf("PrimaryKeyID(%s): %v", office, err)
	}
	return id
}

func mustKeyIDs(t *testing.T, k *fieldcrypt.Keyring, office string) []uint32 {
	t.Helper()
	ids, err := k.KeyIDs(office)
	if err != nil {
		t.Fatalf("KeyIDs(%s): %v", office, err)
	}
	return ids
}

func mustCiphertextKeyID(t *testing.T, ct []byte) uint32 {
	t.Helper()
	id, err := fieldcrypt.CiphertextKeyID(ct)
	if err != nil {
		t.Fatalf("CiphertextKeyID: %v", err)
	}
	return id
}

// readMasterHandle reads the cleartext master keyset the way an operator's
// tool would.
func readMasterHandle(t *testing.T, path string) *keyset.Handle {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatalf("master key file is not a cleartext JSON keyset: %v", err)
	}
	return h
}

func readMaster(t *testing.T, path string) tink.AEAD {
	t.Helper()
	a, err := aead.New(readMasterHandle(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// newMemoryMaster returns a master AEAD that lives only in memory, standing
// in for a KMS AEAD.
func newMemoryMaster(t *testing.T) tink.AEAD {
	t.Helper()
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	a, err := aead.New(h)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
