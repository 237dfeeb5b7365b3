package fieldcrypt

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/tink"
)

const (
	// fileMode is the mode of every file fieldcrypt writes.
	fileMode = 0o600
	// dirMode is the mode of every directory fieldcrypt creates.
	dirMode = 0o700
	// lockFileName is the lock file in KeysDir that serialises writers.
	lockFileName = ".fieldcrypt.lock"
	// blindIndexPurpose is the associated data of the blind-index keyset file.
	blindIndexPurpose = "fieldcrypt/blind-index"
)

// officePurpose is the associated data of office's keyset file.
func officePurpose(office string) []byte {
	return []byte("fieldcrypt/office/" + office)
}

// withLock runs fn holding an exclusive flock on KeysDir's lock file, so that
// processes creating keysets or rotating keys one after another never
// read-modify-write the same file at once (a lost update would lose a key and
// with it the data encrypted under it). flock locks belong to the open file
// description, so two Keyrings in one process exclude each other too.
func withLock(dir string, fn func() error) (err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("lock %s: %w", dir, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("unlock %s: %w", dir, cerr)
		}
	}()
	fd := int(f.Fd())
	for {
		err = syscall.Flock(fd, syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", dir, err)
	}
	// Closing the file releases the lock.
	return fn()
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory is written (mode 0600), synced and renamed over path, and the
// directory is synced, so readers see the old or the new file, never a torn
// one, even after a crash.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(fileMode); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err = d.Sync(); err != nil {
		_ = d.Close()
		return err
	}
	return d.Close()
}

// exists reports whether path exists; errors other than "does not exist"
// are returned.
func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}

// readFile reads path; a missing file gives an error that names it, says
// what it is and wraps fs.ErrNotExist.
func readFile(path, what string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s %s does not exist; restore it, or open the key ring with create=true to make a new one: %w",
			what, path, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", what, path, err)
	}
	return data, nil
}

// newKeysetHandle returns a fresh keyset with one primary key from template,
// made with keyset.Manager as rotation does.
func newKeysetHandle(template *tinkpb.KeyTemplate) (*keyset.Handle, error) {
	m := keyset.NewManager()
	id, err := m.Add(template)
	if err != nil {
		return nil, err
	}
	if err := m.SetPrimary(id); err != nil {
		return nil, err
	}
	return m.Handle()
}

// loadMaster reads the cleartext master keyset at path and returns its AEAD.
func loadMaster(path string) (tink.AEAD, error) {
	data, err := readFile(path, "master key file")
	if err != nil {
		return nil, err
	}
	// The master keyset is the one cleartext keyset; see the package doc.
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(data)))
	if err != nil {
		return nil, fmt.Errorf("master key file %s is not a Tink JSON keyset: %w", path, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("master key file %s does not hold an AEAD keyset: %w", path, err)
	}
	return a, nil
}

// createMaster writes a new AES256_GCM master keyset to path and returns its
// AEAD. It refuses when encrypted keysets already exist in keysDir: a new
// master key could not decrypt them, so the right fix is restoring the lost
// master key file, not replacing it.
func createMaster(path, keysDir string) (tink.AEAD, error) {
	for _, pattern := range []string{"office-*.keyset.json", "blind-index.keyset.json"} {
		found, err := filepath.Glob(filepath.Join(keysDir, pattern))
		if err != nil {
			return nil, err
		}
		if len(found) > 0 {
			return nil, fmt.Errorf("master key file %s does not exist but %s holds keysets encrypted with it; "+
				"restore the master key file (a new one could not decrypt them)", path, keysDir)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return nil, fmt.Errorf("create directory of master key file %s: %w", path, err)
	}
	h, err := newKeysetHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("generate master key: %w", err)
	}
	var buf bytes.Buffer
	// Cleartext on purpose: this file is the root of the key hierarchy (see
	// the package doc for why that is acceptable locally and what production
	// does instead).
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		return nil, fmt.Errorf("serialise master key: %w", err)
	}
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("write master key file %s: %w", path, err)
	}
	return aead.New(h)
}

// readKeyset reads the encrypted keyset at path, decrypting it with master
// and purpose as associated data.
func readKeyset(path, what string, master tink.AEAD, purpose []byte) (*keyset.Handle, error) {
	data, err := readFile(path, what)
	if err != nil {
		return nil, err
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewJSONReader(bytes.NewReader(data)), master, purpose)
	if err != nil {
		return nil, fmt.Errorf("%s %s cannot be decrypted with the master key (wrong master key, "+
			"or the file was altered or copied from another office): %w", what, path, err)
	}
	return h, nil
}

// writeKeyset encrypts h with master and purpose as associated data and
// writes it atomically to path.
func writeKeyset(path string, h *keyset.Handle, master tink.AEAD, purpose []byte) error {
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewJSONWriter(&buf), master, purpose); err != nil {
		return fmt.Errorf("encrypt keyset for %s: %w", path, err)
	}
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("write keyset %s: %w", path, err)
	}
	return nil
}

// createIfMissing writes a new keyset from template to path unless the file
// exists. The caller holds the lock.
func createIfMissing(path string, template *tinkpb.KeyTemplate, master tink.AEAD, purpose []byte) error {
	ok, err := exists(path)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	h, err := newKeysetHandle(template)
	if err != nil {
		return fmt.Errorf("generate keyset for %s: %w", path, err)
	}
	return writeKeyset(path, h, master, purpose)
}
