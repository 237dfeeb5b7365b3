package auth

import "time"

// SetVerifierClock makes v read the time from now (claim checks and key
// refresh timing). Call it before v is used.
func SetVerifierClock(v *Verifier, now func() time.Time) {
	v.now = now
	v.keys.now = now
}

// SetIssuerClock makes i (and its token sources) read the time from now.
// Call it before i is used.
func SetIssuerClock(i *Issuer, now func() time.Time) { i.now = now }
