package fieldcrypt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// ErrDecryptionFailed is wrapped by Decrypt's error when a ciphertext does not
// authenticate: it was altered or truncated, was encrypted for another office
// or with other associated data, or its key is gone.
var ErrDecryptionFailed = errors.New("decryption failed: ciphertext altered, or encrypted for another office, " +
	"record or field, or with a key that is not in the office keyset")

// ErrUnknownOffice is wrapped by Encrypt's and Decrypt's error for an office
// the Keyring was not opened for.
var ErrUnknownOffice = errors.New("no keyset for this office in the key ring")

// officeCode is what an office code must look like; it matches package
// office's rule and keeps codes safe inside file names.
var officeCode = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// Tink's TINK output prefix: one version byte then the 4-byte big-endian key id.
const (
	tinkPrefixVersion = 0x01
	tinkPrefixSize    = 5
)

// Keyring encrypts and decrypts the protected fields of a fixed set of
// offices and computes blind indexes. It is safe for concurrent use.
type Keyring struct {
	cfg     Config
	master  tink.AEAD
	offices []string

	reloadMu sync.Mutex // serialises Reload
	keys     atomic.Pointer[keys]
}

// keys is one immutable snapshot of the loaded keysets; Reload swaps it
// whole, so a concurrent Encrypt sees either the old or the new snapshot.
type keys struct {
	offices map[string]officeKeys
	index   *prf.Set
}

type officeKeys struct {
	handle *keyset.Handle
	aead   tink.AEAD
}

// Open returns the Keyring of offices. The master AEAD comes from
// cfg.MasterKeyPath(). With create, missing files are made: KeysDir (0700),
// the master key file (only when no encrypted keyset exists yet), a keyset
// per office and the blind-index keyset; existing files are kept. Without
// create, a missing file is an error that names it and wraps fs.ErrNotExist.
func Open(cfg Config, offices []string, create bool) (*Keyring, error) {
	codes, err := check(cfg, offices)
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt.Open: %w", err)
	}
	var master tink.AEAD
	if create {
		err = prepareDir(cfg, func() error {
			ok, err := exists(cfg.MasterKeyPath())
			if err != nil {
				return err
			}
			if ok {
				master, err = loadMaster(cfg.MasterKeyPath())
			} else {
				master, err = createMaster(cfg.MasterKeyPath(), cfg.KeysDir)
			}
			if err != nil {
				return err
			}
			return createKeysets(cfg, master, codes)
		})
	} else {
		master, err = loadMaster(cfg.MasterKeyPath())
	}
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt.Open: %w", err)
	}
	k, err := load(cfg, master, codes)
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt.Open: %w", err)
	}
	return k, nil
}

// OpenWithMaster is Open with the master AEAD given by the caller instead of
// read from a file, e.g. a KMS AEAD obtained through Tink's registry
// (registry.GetKMSClient(uri) then GetAEAD(uri)). cfg.MasterKeyFile is not
// used. With create, missing office and blind-index keysets are made.
func OpenWithMaster(cfg Config, master tink.AEAD, offices []string, create bool) (*Keyring, error) {
	codes, err := check(cfg, offices)
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt.OpenWithMaster: %w", err)
	}
	if master == nil {
		return nil, errors.New("fieldcrypt.OpenWithMaster: master AEAD is nil")
	}
	if create {
		if err := prepareDir(cfg, func() error { return createKeysets(cfg, master, codes) }); err != nil {
			return nil, fmt.Errorf("fieldcrypt.OpenWithMaster: %w", err)
		}
	}
	k, err := load(cfg, master, codes)
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt.OpenWithMaster: %w", err)
	}
	return k, nil
}

// check validates cfg and the office codes, returning them sorted and
// without duplicates.
func check(cfg Config, offices []string) ([]string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkOffices(offices); err != nil {
		return nil, err
	}
	codes := slices.Clone(offices)
	slices.Sort(codes)
	return slices.Compact(codes), nil
}

// checkOffices reports the first office code that is not valid.
func checkOffices(offices []string) error {
	for _, o := range offices {
		if !officeCode.MatchString(o) {
			return fmt.Errorf("office code %q must match %s", o, officeCode)
		}
	}
	return nil
}

// prepareDir creates KeysDir (0700) and runs fn under its lock.
func prepareDir(cfg Config, fn func() error) error {
	if err := os.MkdirAll(cfg.KeysDir, dirMode); err != nil {
		return fmt.Errorf("create keys directory %s: %w", cfg.KeysDir, err)
	}
	return withLock(cfg.KeysDir, fn)
}

// createKeysets makes the missing office and blind-index keysets. The caller
// holds the lock.
func createKeysets(cfg Config, master tink.AEAD, codes []string) error {
	for _, o := range codes {
		if err := createIfMissing(cfg.OfficeKeysetPath(o), aead.AES256GCMKeyTemplate(), master, officePurpose(o)); err != nil {
			return err
		}
	}
	return createIfMissing(cfg.BlindIndexKeysetPath(), prf.HMACSHA256PRFKeyTemplate(), master, []byte(blindIndexPurpose))
}

// load reads every keyset and returns a ready Keyring.
func load(cfg Config, master tink.AEAD, codes []string) (*Keyring, error) {
	k := &Keyring{cfg: cfg, master: master, offices: codes}
	ks, err := k.read()
	if err != nil {
		return nil, err
	}
	k.keys.Store(ks)
	return k, nil
}

// read loads a fresh snapshot of the keysets from disk.
func (k *Keyring) read() (*keys, error) {
	ks := &keys{offices: make(map[string]officeKeys, len(k.offices))}
	for _, o := range k.offices {
		path := k.cfg.OfficeKeysetPath(o)
		h, err := readKeyset(path, "office keyset file", k.master, officePurpose(o))
		if err != nil {
			return nil, err
		}
		a, err := aead.New(h)
		if err != nil {
			return nil, fmt.Errorf("office keyset file %s does not hold an AEAD keyset: %w", path, err)
		}
		ks.offices[o] = officeKeys{handle: h, aead: a}
	}
	path := k.cfg.BlindIndexKeysetPath()
	h, err := readKeyset(path, "blind-index keyset file", k.master, []byte(blindIndexPurpose))
	if err != nil {
		return nil, err
	}
	ks.index, err = prf.NewPRFSet(h)
	if err != nil {
		return nil, fmt.Errorf("blind-index keyset file %s does not hold a PRF keyset: %w", path, err)
	}
	return ks, nil
}

// Reload re-reads the office and blind-index keysets, e.g. after Rotate ran
// in another process. On error the Keyring keeps the keys it had. Encrypt,
// Decrypt and BlindIndex may run concurrently with Reload.
func (k *Keyring) Reload() error {
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	ks, err := k.read()
	if err != nil {
		return fmt.Errorf("fieldcrypt.Reload: %w", err)
	}
	k.keys.Store(ks)
	return nil
}

// Offices returns the office codes the Keyring holds keys for, sorted.
func (k *Keyring) Offices() []string {
	return slices.Clone(k.offices)
}

func (k *Keyring) office(office string) (officeKeys, error) {
	ok, found := k.keys.Load().offices[office]
	if !found {
		return officeKeys{}, fmt.Errorf("office %q: %w", office, ErrUnknownOffice)
	}
	return ok, nil
}

// Encrypt encrypts plaintext with office's primary key, authenticating
// associatedData (see AssociatedData). The ciphertext starts with Tink's
// 5-byte prefix naming the key (see CiphertextKeyID).
func (k *Keyring) Encrypt(office string, plaintext, associatedData []byte) ([]byte, error) {
	ok, err := k.office(office)
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt.Encrypt: %w", err)
	}
	ct, err := ok.aead.Encrypt(plaintext, associatedData)
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt.Encrypt: office %q: %w", office, err)
	}
	return ct, nil
}

// Decrypt decrypts a ciphertext made by Encrypt for the same office and
// associated data, with whichever key of the office keyset made it. Any
// failure to authenticate wraps ErrDecryptionFailed.
func (k *Keyring) Decrypt(office string, ciphertext, associatedData []byte) ([]byte, error) {
	ok, err := k.office(office)
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt.Decrypt: %w", err)
	}
	pt, err := ok.aead.Decrypt(ciphertext, associatedData)
	if err != nil {
		// Tink's error says only that no key matched; it is not wrapped so
		// that callers test one sentinel.
		return nil, fmt.Errorf("fieldcrypt.Decrypt: office %q: %w", office, ErrDecryptionFailed)
	}
	return pt, nil
}

// KeyIDs returns the ids of the keys in office's keyset, in keyset order
// (the order they were added).
func (k *Keyring) KeyIDs(office string) ([]uint32, error) {
	ok, err := k.office(office)
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt.KeyIDs: %w", err)
	}
	ids := make([]uint32, 0, ok.handle.Len())
	for i := range ok.handle.Len() {
		e, err := ok.handle.Entry(i)
		if err != nil {
			return nil, fmt.Errorf("fieldcrypt.KeyIDs: office %q: %w", office, err)
		}
		ids = append(ids, e.KeyID())
	}
	return ids, nil
}

// PrimaryKeyID returns the id of the key that encrypts new data for office.
func (k *Keyring) PrimaryKeyID(office string) (uint32, error) {
	ok, err := k.office(office)
	if err != nil {
		return 0, fmt.Errorf("fieldcrypt.PrimaryKeyID: %w", err)
	}
	e, err := ok.handle.Primary()
	if err != nil {
		return 0, fmt.Errorf("fieldcrypt.PrimaryKeyID: office %q: %w", office, err)
	}
	return e.KeyID(), nil
}

// CiphertextKeyID returns the id of the key that made ciphertext, read from
// Tink's output prefix (version byte 0x01, then the big-endian key id). A
// re-encryption job compares it with PrimaryKeyID to find records still under
// an old key.
func CiphertextKeyID(ciphertext []byte) (uint32, error) {
	if len(ciphertext) < tinkPrefixSize || ciphertext[0] != tinkPrefixVersion {
		return 0, errors.New("fieldcrypt.CiphertextKeyID: not a ciphertext with a Tink key prefix")
	}
	return binary.BigEndian.Uint32(ciphertext[1:tinkPrefixSize]), nil
}

// AssociatedData returns the associated data that binds a field's ciphertext
// to its record and field: resourceName is the record's resource name, e.g.
// "offices/mumbai/survivors/abc", field the field's name, e.g.
// "legal_name". A ciphertext copied to another record or field then fails to
// decrypt. The NUL separator cannot occur in resource or field names.
func AssociatedData(resourceName, field string) []byte {
	return []byte("fieldcrypt/v1\x00" + resourceName + "\x00" + field)
}
