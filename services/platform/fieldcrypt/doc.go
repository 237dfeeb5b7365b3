// Package fieldcrypt encrypts protected survivor identity fields (legal name,
// date of birth, contact, address, photo) before they reach MongoDB, and
// computes the keyed blind index used to find duplicate records without
// storing or querying plaintext. It is built on Tink
// (github.com/tink-crypto/tink-go/v2); it contains no home-made cryptography.
//
// # Keys
//
// A Keyring holds, for one set of offices:
//
//   - a master AEAD (a Tink AES256_GCM keyset) that only wraps other keysets;
//   - per office, a Tink AEAD keyset (AES256_GCM, TINK output prefix) that
//     encrypts that office's fields: envelope keys per office, so the records
//     of one office cannot be decrypted with another office's keys;
//   - one blind-index PRF keyset (HMAC_SHA256_PRF) shared by all offices, so
//     duplicates are found across every office a caller may search.
//
// The office and blind-index keysets are stored encrypted with the master
// AEAD, each with associated data naming the file's purpose
// ("fieldcrypt/office/<code>" and "fieldcrypt/blind-index"), so a keyset file
// copied or renamed to another office's file name does not load:
//
//	<KeysDir>/office-<code>.keyset.json   encrypted Tink keyset (JSON)
//	<KeysDir>/blind-index.keyset.json     encrypted Tink keyset (JSON)
//	<MasterKeyFile>                        cleartext Tink keyset (JSON)
//
// Files are written 0600 in directories created 0700, atomically (temporary
// file, fsync, rename), under an exclusive lock file in KeysDir so that
// concurrent creators and rotations in several processes never lose a key.
//
// # The master key
//
// The master key file (default <KeysDir>/master-key.json) is the one file
// holding cleartext key material; it is read and written with Tink's
// insecurecleartextkeyset package. That is acceptable only because, locally,
// the whole data directory is the trust boundary: whoever can read it can
// read the database too. In production the file is not created by the
// service: it is mounted read-only as a secret (create=false), or the master
// AEAD comes from a KMS instead of a file. For a KMS, obtain the remote AEAD
// through Tink's registry and pass it to OpenWithMaster and RotateWithMaster:
//
//	client, err := registry.GetKMSClient(uri) // after registry.RegisterKMSClient(gcpkms/awskms client)
//	master, err := client.GetAEAD(uri)
//	keyring, err := fieldcrypt.OpenWithMaster(cfg, master, offices, false)
//
// # Rotation
//
// Rotate adds a new AES256_GCM key to an office keyset and makes it primary;
// old keys stay, so data encrypted before the rotation still decrypts and
// nothing has to be rewritten at once. Tink prefixes every ciphertext with
// the id of the key that made it (see CiphertextKeyID), so a background job
// can re-encrypt records lazily. A running Keyring sees a rotation made by
// another process after Reload.
//
// # Associated data
//
// Encrypt and Decrypt take associated data that binds a ciphertext to its
// place: use AssociatedData(resourceName, field), e.g.
// AssociatedData("offices/mumbai/survivors/abc", "legal_name"), so that a
// ciphertext moved to another record or another field fails to decrypt.
//
// # Errors
//
// Errors never contain plaintext, ciphertext or key material. A ciphertext
// that was altered, truncated, encrypted for another office, or decrypted
// with other associated data fails with an error wrapping
// ErrDecryptionFailed; an office the Keyring was not opened for fails with
// ErrUnknownOffice. Both are plain errors, which the gRPC layer maps to
// INTERNAL: they mean corrupted data or a deployment mistake, not bad input.
//
// A Keyring is safe for concurrent use, including Encrypt, Decrypt and
// BlindIndex while Reload runs.
package fieldcrypt
