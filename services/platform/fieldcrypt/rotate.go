package fieldcrypt

import (
	"errors"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Rotate adds a new AES256_GCM key to office's keyset file and makes it the
// primary key: new data is encrypted with it, and data encrypted with the
// older keys, which stay in the keyset, still decrypts. The master AEAD comes
// from cfg.MasterKeyPath(); running Keyrings pick the new key up on Reload.
func Rotate(cfg Config, office string) error {
	if err := checkRotate(cfg, office); err != nil {
		return fmt.Errorf("fieldcrypt.Rotate: %w", err)
	}
	master, err := loadMaster(cfg.MasterKeyPath())
	if err != nil {
		return fmt.Errorf("fieldcrypt.Rotate: %w", err)
	}
	if err := rotate(cfg, master, office); err != nil {
		return fmt.Errorf("fieldcrypt.Rotate: %w", err)
	}
	return nil
}

// RotateWithMaster is Rotate with the master AEAD given by the caller (see
// OpenWithMaster).
func RotateWithMaster(cfg Config, master tink.AEAD, office string) error {
	if err := checkRotate(cfg, office); err != nil {
		return fmt.Errorf("fieldcrypt.RotateWithMaster: %w", err)
	}
	if master == nil {
		return errors.New("fieldcrypt.RotateWithMaster: master AEAD is nil")
	}
	if err := rotate(cfg, master, office); err != nil {
		return fmt.Errorf("fieldcrypt.RotateWithMaster: %w", err)
	}
	return nil
}

func checkRotate(cfg Config, office string) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	return checkOffices([]string{office})
}

// rotate does the read-modify-write of the office keyset under the lock, so
// that two rotations never lose each other's key.
func rotate(cfg Config, master tink.AEAD, office string) error {
	path := cfg.OfficeKeysetPath(office)
	// The keyset must exist before the lock file is created in KeysDir.
	if _, err := readFile(path, "office keyset file"); err != nil {
		return err
	}
	return withLock(cfg.KeysDir, func() error {
		h, err := readKeyset(path, "office keyset file", master, officePurpose(office))
		if err != nil {
			return err
		}
		m := keyset.NewManagerFromHandle(h)
		id, err := m.Add(aead.AES256GCMKeyTemplate())
		if err != nil {
			return fmt.Errorf("add key to %s: %w", path, err)
		}
		if err := m.SetPrimary(id); err != nil {
			return fmt.Errorf("set primary key of %s: %w", path, err)
		}
		rotated, err := m.Handle()
		if err != nil {
			return fmt.Errorf("rotate %s: %w", path, err)
		}
		return writeKeyset(path, rotated, master, officePurpose(office))
	})
}
