package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/justiceops/justice/deploy/local/stack"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/platform/identity"
)

// localConfig is the stack configuration the commands read with DATA_DIR=dir.
func localConfig(dir string) stack.Config {
	return stack.Config{DataDir: dir, AuthIssuer: "justice-local", AuthAudience: "justice"}
}

// verifyPrincipal verifies tok as the local stack of DATA_DIR=dir would.
func verifyPrincipal(t *testing.T, dir, tok string) identity.Principal {
	t.Helper()
	issuer, err := localConfig(dir).Issuer()
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifierFromJWKS(issuer.Config(), issuer.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("the stack's verifier refuses the token: %v", err)
	}
	return p
}

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = realMain(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestTokenPrintsOnlyATokenTheStackAccepts(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATA_DIR", dir)
	verify := func(t *testing.T, tok string) (subject string, roles, offices []string, all bool) {
		t.Helper()
		p := verifyPrincipal(t, dir, tok)
		return p.Subject, p.Roles, p.Offices, p.AllOffices
	}

	out, _, err := run(t, "token", "--role", "social_worker", "--offices", "mumbai,kolkata", "--subject", "priya", "--ttl", "1h")
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSuffix(out, "\n")
	if strings.ContainsAny(tok, " \n\t") || strings.Count(tok, ".") != 2 {
		t.Fatalf("stdout is not just one JWT: %q", out)
	}
	subject, roles, offices, all := verify(t, tok)
	if subject != "priya" || !slices.Equal(roles, []string{auth.RoleSocialWorker}) || !slices.Equal(offices, []string{"mumbai", "kolkata"}) || all {
		t.Errorf("token speaks for %s %v %v all=%v", subject, roles, offices, all)
	}

	out, _, err = run(t, "token", "--role", "regional_director,lawyer", "--offices", "*")
	if err != nil {
		t.Fatal(err)
	}
	subject, roles, _, all = verify(t, strings.TrimSpace(out))
	if subject != "local-regional_director" || !slices.Equal(roles, []string{auth.RoleRegionalDirector, auth.RoleLawyer}) || !all {
		t.Errorf("--offices '*': token speaks for %s %v all=%v", subject, roles, all)
	}

	out, _, err = run(t, "token", "--role", "partner_home", "--offices", "kolkata", "--partner", "home-7")
	if err != nil {
		t.Fatal(err)
	}
	if p := verifyPrincipal(t, dir, strings.TrimSpace(out)); p.PartnerID != "home-7" || p.Subject != "local-partner_home" {
		t.Errorf("--partner: token speaks for %+v", p)
	}
	out, _, err = run(t, "token", "--service", "prosecution", "--ttl", "2h")
	if err != nil {
		t.Fatal(err)
	}
	if p := verifyPrincipal(t, dir, strings.TrimSpace(out)); p.Subject != "svc:prosecution" || !slices.Equal(p.Roles, []string{auth.RoleService}) || !p.AllOffices {
		t.Errorf("--service prosecution: token speaks for %+v, want svc:prosecution, role service, every office", p)
	}
	if _, err := os.Stat(dir + "/keys/" + auth.IssuerKeyFile); err != nil {
		t.Errorf("the issuer key is not in DATA_DIR/keys: %v", err)
	}
}

func TestTokenRefusesWhatItCannotMint(t *testing.T) {
	t.Setenv("DATA_DIR", t.TempDir())
	for _, tc := range []struct {
		name string
		args []string
		want []string // the error names these
	}{
		{"no role", []string{"--offices", "mumbai"}, []string{"--role is required", "investigator", "social_worker"}},
		{"unknown role", []string{"--role", "superuser", "--offices", "mumbai"}, []string{`"superuser"`, "known roles", "auditor"}},
		{"service role", []string{"--role", "service", "--offices", "mumbai"}, []string{`"service"`, "known roles"}},
		{"no offices", []string{"--role", "investigator"}, []string{"--offices is required", "kolkata, mumbai", "'*'"}},
		{"unknown office", []string{"--role", "investigator", "--offices", "mumbai,chennai"}, []string{`"chennai"`, "known offices: kolkata, mumbai"}},
		{"ttl too long", []string{"--role", "investigator", "--offices", "mumbai", "--ttl", "9000h"}, []string{"--ttl", "between"}},
		{"ttl zero", []string{"--role", "investigator", "--offices", "mumbai", "--ttl", "0s"}, []string{"--ttl", "between"}},
		{"partner home without a partner", []string{"--role", "partner_home", "--offices", "mumbai"}, []string{"--partner"}},
		{"malformed partner", []string{"--role", "partner_home", "--offices", "mumbai", "--partner", "a b"}, []string{"--partner", `"a b"`}},
		{"stray argument", []string{"--role", "investigator", "--offices", "mumbai", "extra"}, []string{`"extra"`}},
		{"service with a role", []string{"--service", "prosecution", "--role", "investigator"}, []string{"--service and --role"}},
		{"service with offices", []string{"--service", "prosecution", "--offices", "mumbai"}, []string{"--service and --offices"}},
		{"malformed service", []string{"--service", "Prosecution Svc"}, []string{"--service", `"Prosecution Svc"`, "e.g. prosecution"}},
		{"empty service", []string{"--service", ""}, []string{"--service", `""`}},
		{"unknown flag", []string{"--rol", "investigator"}, []string{"rol"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := run(t, append([]string{"token"}, tc.args...)...)
			if err == nil {
				t.Fatalf("minted a token: %q", out)
			}
			if !errors.Is(err, errUsage) {
				t.Errorf("error %v is not a usage error (exit 2)", err)
			}
			if out != "" {
				t.Errorf("stdout is not empty on error: %q", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestKeysRotateAddsAPrimaryKeyToOneOffice(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATA_DIR", dir)
	keys := localConfig(dir).Keys()

	// Before the stack ever ran there is nothing to rotate.
	if _, _, err := run(t, "keys", "rotate", "--office", "mumbai"); err == nil {
		t.Error("rotated a keyset that does not exist")
	}

	ring, err := fieldcrypt.Open(keys, []string{"kolkata", "mumbai"}, true)
	if err != nil {
		t.Fatal(err)
	}
	old, err := ring.Encrypt("mumbai", []byte("sealed before"), []byte("offices/mumbai/survivors/a"))
	if err != nil {
		t.Fatal(err)
	}
	mumbaiBefore, _ := os.ReadFile(keys.OfficeKeysetPath("mumbai"))
	kolkataBefore, _ := os.ReadFile(keys.OfficeKeysetPath("kolkata"))

	out, _, err := run(t, "keys", "rotate", "--office", "mumbai")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "mumbai") || !strings.Contains(out, "SIGHUP") {
		t.Errorf("rotate output does not say what happened and what next: %q", out)
	}
	mumbaiAfter, _ := os.ReadFile(keys.OfficeKeysetPath("mumbai"))
	kolkataAfter, _ := os.ReadFile(keys.OfficeKeysetPath("kolkata"))
	if bytes.Equal(mumbaiBefore, mumbaiAfter) {
		t.Error("the mumbai keyset did not change")
	}
	if !bytes.Equal(kolkataBefore, kolkataAfter) {
		t.Error("rotating mumbai changed the kolkata keyset")
	}
	if err := ring.Reload(); err != nil {
		t.Fatal(err)
	}
	if plain, err := ring.Decrypt("mumbai", old, []byte("offices/mumbai/survivors/a")); err != nil || string(plain) != "sealed before" {
		t.Errorf("a record sealed before the rotation does not open after it: %v", err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "rotate"}, "--office is required"},
		{[]string{"keys", "rotate", "--office", "chennai"}, "known offices: kolkata, mumbai"},
		{[]string{"keys"}, "rotate"},
		{[]string{"keys", "list"}, `"list"`},
	} {
		if _, _, err := run(t, tc.args...); err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want a usage error saying %q", tc.args, err, tc.want)
		}
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	t.Parallel()
	if _, stderr, err := run(t, "serv"); !errors.Is(err, errUsage) || !strings.Contains(stderr, "token --role ROLE") {
		t.Errorf("unknown command: err %v, usage %q", err, stderr)
	}
	if out, _, err := run(t, "help"); err != nil || !strings.Contains(out, "keys rotate") {
		t.Errorf("help: %v %q", err, out)
	}
}
