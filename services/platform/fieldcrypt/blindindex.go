package fieldcrypt

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

const (
	// blindIndexDomain starts every PRF input, so the blind-index key could
	// never produce the same output for another use, and a future change
	// of normalisation gets a new version.
	blindIndexDomain = "fieldcrypt/blind-index/v1"
	// blindIndexSeparator joins the normalised parts. Normalisation removes
	// every control character, so it cannot occur inside a part and
	// ("asha rani", "x") never collides with ("asha", "rani x").
	blindIndexSeparator = "\x00"
	// blindIndexBytes is the PRF output length: all of HMAC-SHA256.
	blindIndexBytes = 32
)

// BlindIndex returns the keyed hash of parts, e.g. BlindIndex(legalName,
// dateOfBirth), for finding duplicate records without storing or querying
// the plaintext. Each part is normalised first (see Normalize), so spellings
// that differ only in case, width, spacing, punctuation or Latin accents give
// the same index. The parts are joined with a separator that cannot occur in
// a normalised part, hashed with the shared HMAC-SHA256 PRF and encoded as
// unpadded base64url (43 characters). If any part is empty after
// normalisation the result is "" with no error: there is nothing to index.
func (k *Keyring) BlindIndex(parts ...string) (string, error) {
	if len(parts) == 0 {
		return "", nil
	}
	var b strings.Builder
	b.WriteString(blindIndexDomain)
	for _, p := range parts {
		n := Normalize(p)
		if n == "" {
			return "", nil
		}
		b.WriteString(blindIndexSeparator)
		b.WriteString(n)
	}
	out, err := k.keys.Load().index.ComputePrimaryPRF([]byte(b.String()), blindIndexBytes)
	if err != nil {
		return "", fmt.Errorf("fieldcrypt.BlindIndex: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Normalize returns the form of s that BlindIndex hashes:
//
//   - Unicode NFKC (full-width and compatibility forms become plain ones;
//     decomposed and precomposed spellings, e.g. Devanagari nukta letters,
//     become one), then full case folding (cases.Fold, with Cherokee
//     folded to upper case as Unicode specifies);
//   - letters and digits of every script are kept, and so are combining
//     marks, because in Indic scripts vowel signs and viramas are marks that
//     change the name; marks on Latin letters are dropped ("José" = "Jose");
//   - apostrophes are removed ("D'Souza" = "DSouza"); every other
//     punctuation mark or symbol, and all white space, separates words
//     ("Mary-Jane" = "Mary Jane", "14.03.2009" = "14 03 2009");
//   - invisible format and control characters (zero-width joiners, BOM) are
//     removed;
//   - runs of separators become one space, with none at either end.
func Normalize(s string) string {
	// Apostrophes go first: NFKC would turn some (the acute accent U+00B4)
	// into a space and a combining mark.
	s = strings.Map(dropApostrophe, s)
	// A Caser keeps state, so each call gets its own.
	s = cases.Fold().String(norm.NFKC.String(s))
	s = norm.NFD.String(s)

	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	latinBase := false // the last kept base letter is Latin
	kept := false      // a base character has been kept since the last separator
	for _, r := range s {
		switch {
		case isApostrophe(r):
			// Checked before letters: U+02BC is a letter, and NFKC makes
			// one of "ŉ".
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if pendingSpace && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pendingSpace = false
			if unicode.Is(unicode.Cherokee, r) {
				// Unicode case folding maps Cherokee to upper case, but
				// x/text's Fold maps it to lower case, and lower case back
				// to upper: fold it the way Unicode does, so that
				// normalising is idempotent.
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			latinBase = unicode.Is(unicode.Latin, r)
			kept = true
		case unicode.IsMark(r):
			// A mark belongs to the base before it: dropped on Latin letters
			// and when its base was dropped (e.g. a mark on punctuation).
			if kept && !pendingSpace && !latinBase {
				b.WriteRune(r)
			}
		case unicode.IsSpace(r):
			// Tested before control characters: tab and newline are both.
			pendingSpace = true
			kept = false
		case unicode.Is(unicode.Cf, r), unicode.IsControl(r):
			// Removed without separating words.
		default:
			// Other punctuation and symbols separate words.
			pendingSpace = true
			kept = false
		}
	}
	return norm.NFKC.String(b.String())
}

func dropApostrophe(r rune) rune {
	if isApostrophe(r) {
		return -1
	}
	return r
}

// isApostrophe reports the characters written as apostrophes inside names.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u2018', '\u2019', '\u02bc', '\u00b4', '\u2032':
		return true
	}
	return false
}
