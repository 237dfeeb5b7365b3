package fieldcrypt

import (
	"path/filepath"

	"github.com/justiceops/justice/services/platform/config"
)

// DefaultMasterKeyFileName is the master key file's name inside KeysDir when
// Config.MasterKeyFile is empty.
const DefaultMasterKeyFileName = "master-key.json"

// Config says where the keysets live.
type Config struct {
	// KeysDir holds the encrypted office and blind-index keysets. Locally it
	// is inside the data directory.
	KeysDir string `env:"KEYS_DIR"`
	// MasterKeyFile is the cleartext Tink keyset that wraps the other keysets.
	// Empty means KeysDir/master-key.json. In production it is a mounted
	// secret, or replaced by a KMS AEAD (see OpenWithMaster).
	MasterKeyFile string `env:"MASTER_KEY_FILE"`
}

// Validate reports a missing KEYS_DIR.
func (c Config) Validate() error {
	if c.KeysDir == "" {
		return config.Invalid("KEYS_DIR", c.KeysDir,
			"required: the directory holding the encrypted Tink keysets, e.g. /var/lib/justice/keys")
	}
	return nil
}

// MasterKeyPath returns the master key file's path: MasterKeyFile, or
// KeysDir/master-key.json when it is empty.
func (c Config) MasterKeyPath() string {
	if c.MasterKeyFile != "" {
		return c.MasterKeyFile
	}
	return filepath.Join(c.KeysDir, DefaultMasterKeyFileName)
}

// OfficeKeysetPath returns the path of the encrypted keyset of office.
func (c Config) OfficeKeysetPath(office string) string {
	return filepath.Join(c.KeysDir, "office-"+office+".keyset.json")
}

// BlindIndexKeysetPath returns the path of the encrypted blind-index keyset.
func (c Config) BlindIndexKeysetPath() string {
	return filepath.Join(c.KeysDir, "blind-index.keyset.json")
}
