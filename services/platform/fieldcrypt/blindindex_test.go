package fieldcrypt_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/justiceops/justice/services/platform/fieldcrypt"
)

func mustIndex(t *testing.T, k *fieldcrypt.Keyring, parts ...string) string {
	t.Helper()
	idx, err := k.BlindIndex(parts...)
	if err != nil {
		t.Fatalf("BlindIndex: %v", err)
	}
	return idx
}

func TestBlindIndexIsStableBase64URLAcrossKeyringsAndOffices(t *testing.T) {
	t.Parallel()
	cfg := newConfig(t)
	mumbai := mustOpen(t, cfg, true, "mumbai")
	kolkata := mustOpen(t, cfg, true, "kolkata")
	idx := mustIndex(t, mumbai, "Asha Rani", "2009-03-14")
	if len(idx) != 43 {
		t.Errorf("index %q has %d characters, want 43 (32 bytes, unpadded base64url)", idx, len(idx))
	}
	if raw, err := base64.RawURLEncoding.DecodeString(idx); err != nil || len(raw) != 32 {
		t.Errorf("index %q is not 32 bytes of base64url: %v", idx, err)
	}
	if again := mustIndex(t, mumbai, "Asha Rani", "2009-03-14"); again != idx {
		t.Errorf("index not stable: %s then %s", idx, again)
	}
	// One key shared by all offices: duplicates are found across offices.
	if other := mustIndex(t, kolkata, "Asha Rani", "2009-03-14"); other != idx {
		t.Errorf("kolkata's index %s differs from mumbai's %s; the blind index must be shared", other, idx)
	}
	if strings.Contains(idx, "Asha") || strings.Contains(strings.ToLower(idx), "asha") {
		t.Errorf("index %q contains the name", idx)
	}
}

func TestBlindIndexIsKeyed(t *testing.T) {
	t.Parallel()
	a := mustOpen(t, newConfig(t), true, "mumbai")
	b := mustOpen(t, newConfig(t), true, "mumbai")
	if mustIndex(t, a, "Asha Rani", "2009-03-14") == mustIndex(t, b, "Asha Rani", "2009-03-14") {
		t.Error("two key rings gave the same index; it must depend on the secret key")
	}
}

func TestBlindIndexMatchesSpellingsOfTheSamePerson(t *testing.T) {
	t.Parallel()
	k := mustOpen(t, newConfig(t), true, "mumbai")
	tests := []struct {
		rule string
		a, b []string
	}{
		{"case and repeated spaces are ignored", []string{"ASHA  Rani"}, []string{"asha rani"}},
		{"leading, trailing and tab or newline space is ignored", []string{"\t Asha\nRani  "}, []string{"asha rani"}},
		{"full-width letters equal ASCII (NFKC)", []string{"Ａｓｈａ Ｒａｎｉ"}, []string{"asha rani"}},
		{"hyphen separates like a space", []string{"Mary-Jane"}, []string{"mary jane"}},
		{"apostrophes are removed", []string{"D'Souza"}, []string{"DSouza"}},
		{"typographic apostrophe equals ASCII", []string{"D’Souza"}, []string{"D'Souza"}},
		{"dots after initials separate", []string{"A.K. Sharma"}, []string{"a k sharma"}},
		{"accents on Latin letters are ignored", []string{"José Núñez"}, []string{"jose nunez"}},
		{"decomposed accents equal precomposed", []string{"Jose\u0301"}, []string{"José"}},
		{"German sharp s folds to ss", []string{"Straße"}, []string{"STRASSE"}},
		{"zero-width joiners are ignored", []string{"As\u200dha"}, []string{"asha"}},
		{"date punctuation is a separator", []string{"Asha", "2009-03-14"}, []string{"asha", "2009 03 14"}},
		{"Devanagari: spaces collapse", []string{"आशा   रानी"}, []string{" आशा रानी "}},
		{"Devanagari: nukta letter equals letter plus nukta", []string{"\u0958मल"}, []string{"\u0915\u093cमल"}},
		{"Devanagari: danda punctuation separates", []string{"आशा।रानी"}, []string{"आशा रानी"}},
		{"Bengali: spaces and case-free script", []string{"আশা  রানী"}, []string{"আশা রানী"}},
		{"Bengali: yya equals ya plus nukta", []string{"\u09df\u09be"}, []string{"\u09af\u09bc\u09be"}},
		{"Devanagari digits are kept as digits", []string{"राम", "२००९"}, []string{"राम", "२००९"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			t.Parallel()
			a, b := mustIndex(t, k, tt.a...), mustIndex(t, k, tt.b...)
			if a == "" || a != b {
				t.Errorf("BlindIndex(%q) = %q, BlindIndex(%q) = %q; want equal and non-empty (normalised %q vs %q)",
					tt.a, a, tt.b, b, fieldcrypt.Normalize(strings.Join(tt.a, "|")), fieldcrypt.Normalize(strings.Join(tt.b, "|")))
			}
		})
	}
}

func TestBlindIndexDiffersForDifferentPeople(t *testing.T) {
	t.Parallel()
	k := mustOpen(t, newConfig(t), true, "mumbai")
	tests := []struct {
		rule string
		a, b []string
	}{
		{"different names", []string{"Asha Rani"}, []string{"Asha Rana"}},
		{"same name, other date of birth", []string{"Asha Rani", "2009-03-14"}, []string{"Asha Rani", "2009-03-15"}},
		{"part boundaries matter", []string{"asha", "rani x"}, []string{"asha rani", "x"}},
		{"word boundaries matter", []string{"asha rani"}, []string{"asharani"}},
		{"Devanagari vowel signs are kept", []string{"राम"}, []string{"रम"}},
		{"Devanagari virama is kept", []string{"क्ष"}, []string{"कष"}},
		{"Devanagari nukta is kept", []string{"\u0915\u093cमल"}, []string{"कमल"}},
		{"Bengali vowel signs are kept", []string{"আশা"}, []string{"আশ"}},
		{"same name in different scripts", []string{"asha"}, []string{"आशा"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			t.Parallel()
			a, b := mustIndex(t, k, tt.a...), mustIndex(t, k, tt.b...)
			if a == "" || b == "" || a == b {
				t.Errorf("BlindIndex(%q) = %q and BlindIndex(%q) = %q; want different non-empty indexes", tt.a, a, tt.b, b)
			}
		})
	}
}

func TestBlindIndexOfAnEmptyPartIsEmpty(t *testing.T) {
	t.Parallel()
	k := mustOpen(t, newConfig(t), true, "mumbai")
	for _, parts := range [][]string{
		nil,
		{""},
		{"   "},
		{"...-'"},
		{"\u200d"},
		{"Asha Rani", ""},
		{"", "2009-03-14"},
	} {
		idx, err := k.BlindIndex(parts...)
		if err != nil || idx != "" {
			t.Errorf("BlindIndex(%q) = %q, %v; want \"\" and no error", parts, idx, err)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, in, want string
	}{
		{"lower-cases and collapses spaces", "ASHA  Rani", "asha rani"},
		{"trims", "  asha rani\t\n", "asha rani"},
		{"maps full-width forms", "Ａｓｈａ", "asha"},
		{"drops Latin accents", "Ñúñez Ærø", "nunez ærø"},
		{"removes apostrophes", "D'Souza O’Brien D´Costa", "dsouza obrien dcosta"},
		{"separates at other punctuation", "A.K.-Sharma/Singh", "a k sharma singh"},
		{"separates at symbols", "asha+rani@x", "asha rani x"},
		{"keeps digits", "14.03.2009", "14 03 2009"},
		{"removes format characters", "a\u200bs\u200ch\u200da\ufeff", "asha"},
		{"removes control characters", "as\x00ha\x1f", "asha"},
		{"keeps Devanagari marks", "आशा रानी", "आशा रानी"},
		{"composes Devanagari nukta", "\u0915\u093c", "\u0915\u093c"},
		{"keeps Bengali marks", "রানী", "রানী"},
		{"drops a mark with no letter", "\u0301asha", "asha"},
		{"folds Greek final sigma", "ΟΔΥΣΣΕΥΣ", "οδυσσευσ"},
		{"folds Cherokee to upper case as Unicode does", "ꮳᏣ", "ᏣᏣ"},
		{"empty stays empty", "", ""},
		{"punctuation only is empty", " - . ' ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			t.Parallel()
			if got := fieldcrypt.Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzNormalize checks the properties BlindIndex relies on: normalising twice
// changes nothing, and the output is valid UTF-8 with no control characters
// (so the part separator cannot occur) and no leading, trailing or double
// spaces.
func FuzzNormalize(f *testing.F) {
	for _, seed := range []string{
		"ASHA  Rani", "D'Souza", "José Núñez", "आशा रानी", "\u0958मल", "আশা রানী", "\u09df\u09be",
		"Straße", "ΐ", "ﬃ", "Ǆ", "\u0301", "a\x00b", "½", "ǰ̣", "\xff\xfe",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := fieldcrypt.Normalize(s)
		if again := fieldcrypt.Normalize(n); again != n {
			t.Errorf("Normalize not idempotent: %q -> %q -> %q", s, n, again)
		}
		if !utf8.ValidString(n) {
			t.Errorf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Errorf("Normalize(%q) = %q has stray spaces", s, n)
		}
		for _, r := range n {
			if unicode.IsControl(r) {
				t.Errorf("Normalize(%q) = %q contains control character %U", s, n, r)
			}
		}
	})
}
