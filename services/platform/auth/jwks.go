package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// minRSABits is the smallest RSA modulus accepted in a JWKS (RFC 7518 §3.3).
const minRSABits = 2048

// jwk is one JSON Web Key (RFC 7517) as found in a JWKS; only the members
// of public signing keys are read.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	// D is never accepted: a private key in a published key set is a leak.
	D string `json:"d,omitempty"`
}

// jwks is a JSON Web Key Set.
type jwks struct {
	Keys []jwk `json:"keys"`
}

// publicKey is a parsed verification key with what the token's algorithm
// must agree with.
type publicKey struct {
	// key is *ecdsa.PublicKey, *rsa.PublicKey or ed25519.PublicKey, the types
	// the jwt signing methods verify with.
	key crypto.PublicKey
	// alg is the key's "alg" member; "" when the key did not restrict it.
	alg string
	// family is the algorithm family the key type fits: "ES256", "ES384"
	// (an EC key fits exactly one), "RSA" or "EdDSA".
	family string
}

// fits reports whether a token signed with alg may be verified by k.
func (k publicKey) fits(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch k.family {
	case "RSA":
		return alg == "RS256" || alg == "RS384" || alg == "PS256"
	default:
		return k.family == alg
	}
}

// parseJWKS parses a key set into its usable signing keys by kid. Keys for
// encryption ("use": "enc") and of unsupported types or curves are skipped,
// as an issuer may publish them beside its signing keys; a supported key
// with invalid parameters, a private key, a duplicate kid or a set with no
// usable key is an error.
func parseJWKS(data []byte) (map[string]publicKey, error) {
	var set jwks
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("auth.parseJWKS: not a JWKS JSON document: %w", err)
	}
	keys := make(map[string]publicKey, len(set.Keys))
	for i, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if k.D != "" {
			return nil, fmt.Errorf("auth.parseJWKS: key %d contains private key material (\"d\"); publish public keys only", i)
		}
		pk, ok, err := parseJWK(k)
		if err != nil {
			return nil, fmt.Errorf("auth.parseJWKS: key %d (kid %q): %w", i, k.Kid, err)
		}
		if !ok {
			continue
		}
		if k.Kid == "" {
			return nil, fmt.Errorf("auth.parseJWKS: key %d has no \"kid\"; every signing key needs one", i)
		}
		if _, dup := keys[k.Kid]; dup {
			return nil, fmt.Errorf("auth.parseJWKS: kid %q appears twice", k.Kid)
		}
		keys[k.Kid] = pk
	}
	if len(keys) == 0 {
		return nil, errors.New("auth.parseJWKS: the key set has no usable signing key (EC P-256/P-384, RSA >= 2048 bits or Ed25519)")
	}
	return keys, nil
}

// parseJWK converts one key; ok is false for a key type this package does
// not verify with.
func parseJWK(k jwk) (pk publicKey, ok bool, err error) {
	switch k.Kty {
	case "EC":
		var curve elliptic.Curve
		var family string
		switch k.Crv {
		case "P-256":
			curve, family = elliptic.P256(), "ES256"
		case "P-384":
			curve, family = elliptic.P384(), "ES384"
		default:
			return publicKey{}, false, nil
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err := decodeFixed(k.X, size, "x")
		if err != nil {
			return publicKey{}, false, err
		}
		y, err := decodeFixed(k.Y, size, "y")
		if err != nil {
			return publicKey{}, false, err
		}
		point := append(append([]byte{4}, x...), y...)
		key, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return publicKey{}, false, fmt.Errorf("invalid EC point: %w", err)
		}
		return publicKey{key: key, alg: k.Alg, family: family}, true, nil
	case "RSA":
		n, err := decodeB64(k.N, "n")
		if err != nil {
			return publicKey{}, false, err
		}
		e, err := decodeB64(k.E, "e")
		if err != nil {
			return publicKey{}, false, err
		}
		if len(e) > 4 {
			return publicKey{}, false, errors.New("RSA exponent \"e\" is too large")
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		if exp < 3 || exp%2 == 0 {
			return publicKey{}, false, errors.New("RSA exponent \"e\" must be odd and at least 3")
		}
		key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
		if key.N.BitLen() < minRSABits {
			return publicKey{}, false, fmt.Errorf("RSA modulus has %d bits; at least %d are required", key.N.BitLen(), minRSABits)
		}
		return publicKey{key: key, alg: k.Alg, family: "RSA"}, true, nil
	case "OKP":
		if k.Crv != "Ed25519" {
			return publicKey{}, false, nil
		}
		x, err := decodeFixed(k.X, ed25519.PublicKeySize, "x")
		if err != nil {
			return publicKey{}, false, err
		}
		return publicKey{key: ed25519.PublicKey(x), alg: k.Alg, family: "EdDSA"}, true, nil
	default:
		return publicKey{}, false, nil
	}
}

// decodeB64 decodes a base64url (unpadded) member that must not be empty.
func decodeB64(s, member string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("member %q is missing", member)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("member %q is not unpadded base64url: %w", member, err)
	}
	return b, nil
}

// decodeFixed decodes a member that must be exactly size bytes long.
func decodeFixed(s string, size int, member string) ([]byte, error) {
	b, err := decodeB64(s, member)
	if err != nil {
		return nil, err
	}
	if len(b) != size {
		return nil, fmt.Errorf("member %q has %d bytes; want %d", member, len(b), size)
	}
	return b, nil
}

// ecJWK returns the public JWK of an ES256 key, with its RFC 7638
// thumbprint as kid, "use": "sig" and "alg": "ES256".
func ecJWK(pub *ecdsa.PublicKey) (jwk, error) {
	raw, err := pub.Bytes()
	if err != nil {
		return jwk{}, fmt.Errorf("auth.ecJWK: %w", err)
	}
	if pub.Curve != elliptic.P256() || len(raw) != 65 {
		return jwk{}, errors.New("auth.ecJWK: the key is not an uncompressed P-256 key")
	}
	k := jwk{
		Kty: "EC",
		Crv: "P-256",
		X:   base64.RawURLEncoding.EncodeToString(raw[1:33]),
		Y:   base64.RawURLEncoding.EncodeToString(raw[33:]),
		Use: "sig",
		Alg: "ES256",
	}
	k.Kid = thumbprint(k)
	return k, nil
}

// thumbprint is the RFC 7638 JWK thumbprint (SHA-256, base64url) of an EC
// key: the hash of its required members in lexicographic order, no spaces.
func thumbprint(k jwk) string {
	canonical := `{"crv":"` + k.Crv + `","kty":"` + k.Kty + `","x":"` + k.X + `","y":"` + k.Y + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
