// Command justice-local runs the whole justice backend on this machine, in
// one process, on the embedded store (`justice-local serve`), mints bearer
// tokens from the local issuer (`justice-local token`) and rotates the
// offices' encryption keys (`justice-local keys rotate`).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/justiceops/justice/deploy/local/stack"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/telemetry"
)

const usage = `usage: justice-local <command> [flags]

commands:
  serve                      start the embedded store, the services and the REST edge; Ctrl-C stops
  token --role ROLE --offices OFFICES [--subject NAME] [--ttl 8h] [--partner ID]
                             print a bearer token signed by the local issuer (and nothing else)
  token --service NAME [--ttl 8h]
                             print a service identity's token (subject svc:NAME, role service, every
                             office), e.g. for SERVICE_TOKEN_FILE of a prosecution binary run alone
  keys rotate --office OFFICE
                             add a new primary encryption key to an office's keyset; a running serve
                             uses it for new writes after SIGHUP or a restart; older records stay readable

configuration is read from the environment (DATA_DIR, KEYS_DIR, OFFICES_FILE ...); see README.md.
`

// errUsage marks a command line that was not understood; main exits 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "justice-local:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func realMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, stdout, stderr)
	case "token":
		return token(ctx, args[1:], stdout, stderr)
	case "keys":
		return keys(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
}

// loadConfig reads the stack's configuration from the environment.
func loadConfig(ctx context.Context) (stack.Config, error) {
	var cfg stack.Config
	if err := config.Load(ctx, &cfg, nil); err != nil {
		return stack.Config{}, err
	}
	return cfg, nil
}

func serve(ctx context.Context, stdout, stderr io.Writer) error {
	var cfg stack.Config
	config.MustLoad(ctx, &cfg)
	logger := logging.New(stderr, cfg.Log.SlogLevel())
	shutdown, err := telemetry.Setup(ctx, "justice-local")
	if err != nil {
		return err
	}
	defer func() { _ = shutdown(context.WithoutCancel(ctx)) }()

	s, err := stack.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "justice-local is running (pid %d; data in %s, keys in %s)\n", os.Getpid(), cfg.DataDir, cfg.Keys().KeysDir)
	fmt.Fprintf(stdout, "  REST edge         http://%s   (OpenAPI: http://%s/openapi.json)\n", s.Addrs.HTTP, s.Addrs.HTTP)
	fmt.Fprintf(stdout, "  gateway gRPC      %s   (justice.insights.v1.InsightsService, merged justice.audit.v1.AuditService)\n", s.Addrs.Gateway)
	fmt.Fprintf(stdout, "  rescue gRPC       %s\n", s.Addrs.Rescue)
	fmt.Fprintf(stdout, "  prosecution gRPC  %s   (asks rescue about linked records as svc:prosecution)\n", s.Addrs.Prosecution)
	fmt.Fprintf(stdout, "  store             %s   (databases rescue, prosecution)\n", s.Addrs.Store)
	fmt.Fprintln(stdout, "  a token           TOKEN=$(./bin/justice-local token --role investigator --offices mumbai)")
	fmt.Fprintln(stdout, "press Ctrl-C to stop; `kill -HUP <pid>` reloads the encryption keys after `justice-local keys rotate`")
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for running := true; running; {
		select {
		case <-ctx.Done():
			running = false
		case <-hup:
			if err := s.ReloadKeys(); err != nil {
				logger.ErrorContext(ctx, "reloading the encryption keys failed; the keys loaded before stay in use", "error", err)
				continue
			}
			logger.InfoContext(ctx, "reloaded the encryption keys")
			fmt.Fprintln(stdout, "reloaded the encryption keys")
		}
	}
	fmt.Fprintln(stdout, "stopping...")
	if err := s.Stop(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}

// Bounds of token --ttl: long enough for a working day, short enough that a
// copied token does not stay useful for long.
const (
	minTokenTTL = time.Minute
	maxTokenTTL = 7 * 24 * time.Hour
)

const tokenUsage = `usage: justice-local token --role ROLE --offices OFFICES [--subject NAME] [--ttl 8h] [--partner ID]
       justice-local token --service NAME [--ttl 8h]

Prints a bearer token signed by the local issuer, and nothing else, e.g.
  TOKEN=$(./bin/justice-local token --role investigator --offices mumbai)
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/v1/offices/mumbai/survivors

With --service, the token is a service's own identity (subject svc:NAME, role
service, every office), which services use to call each other, e.g.
  ./bin/justice-local token --service prosecution > prosecution.token   # SERVICE_TOKEN_FILE

flags:
`

// token mints a token for a role and offices with the issuer in the keys
// directory (created if absent, so a token minted before the first serve is
// accepted by it). Only the token goes to stdout.
func token(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, tokenUsage); fs.PrintDefaults() }
	role := fs.String("role", "", "the caller's role, one of: "+strings.Join(auth.Roles(), ", ")+
		"; several comma-separated are allowed")
	offices := fs.String("offices", "", "comma-separated office codes the caller may act in, or '*' for every office")
	subject := fs.String("subject", "", "who the caller is, as the audit log records it (default local-<role>)")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid, between 1m and 168h")
	partner := fs.String("partner", "", "the partner organisation (partner_id claim), e.g. the aftercare home a partner_home caller runs")
	service := fs.String("service", "", "a service's own identity instead of a person's: its name, e.g. prosecution; "+
		"not with --role, --offices, --subject or --partner")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: token: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: token: unexpected argument %q; every value goes with a flag, e.g. --role investigator", errUsage, fs.Arg(0))
	}
	cfg, err := loadConfig(ctx)
	if err != nil {
		return err
	}
	registry, err := office.LoadRegistry(cfg.Offices)
	if err != nil {
		return err
	}
	var p identity.Principal
	if isFlagSet(fs, "service") {
		p, err = servicePrincipal(*service, fs)
	} else {
		p, err = tokenPrincipal(*role, *offices, *subject, *partner, registry)
	}
	if err != nil {
		return fmt.Errorf("%w: token: %w", errUsage, err)
	}
	if *ttl < minTokenTTL || *ttl > maxTokenTTL {
		return fmt.Errorf("%w: token: --ttl %s: must be between %s and %s, e.g. 8h", errUsage, *ttl, minTokenTTL, maxTokenTTL)
	}
	issuer, err := cfg.Issuer()
	if err != nil {
		return err
	}
	tok, err := issuer.Mint(p, *ttl)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

// serviceNameRE is the form of a service's name, e.g. prosecution.
var serviceNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// isFlagSet reports whether the command line set the flag name.
func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// servicePrincipal is the identity of the service name: subject svc:NAME,
// role service, every office, as a service's token source mints it. The
// flags of a person's token may not come with it.
func servicePrincipal(name string, fs *flag.FlagSet) (identity.Principal, error) {
	for _, f := range []string{"role", "offices", "subject", "partner"} {
		if isFlagSet(fs, f) {
			return identity.Principal{}, fmt.Errorf("--service and --%s: a service token names the service only (role %s, every office)",
				f, auth.RoleService)
		}
	}
	if !serviceNameRE.MatchString(name) {
		return identity.Principal{}, fmt.Errorf("--service %q: must be a service's name, 1 to 32 lower-case letters, digits or '-', e.g. prosecution", name)
	}
	return identity.Principal{Subject: auth.ServiceSubjectPrefix + name, Roles: []string{auth.RoleService}, AllOffices: true}, nil
}

// partnerIDRE is the form of a partner organisation id.
var partnerIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// tokenPrincipal validates the token flags against the known roles and the
// office registry and builds the principal the token speaks for.
func tokenPrincipal(roleFlag, officesFlag, subject, partner string, registry *office.Registry) (identity.Principal, error) {
	var p identity.Principal
	if strings.TrimSpace(roleFlag) == "" {
		return p, fmt.Errorf("--role is required, one of: %s", strings.Join(auth.Roles(), ", "))
	}
	for _, r := range strings.Split(roleFlag, ",") {
		r = strings.TrimSpace(r)
		if !slices.Contains(auth.Roles(), r) {
			return p, fmt.Errorf("--role %q: unknown role; known roles: %s", r, strings.Join(auth.Roles(), ", "))
		}
		if !slices.Contains(p.Roles, r) {
			p.Roles = append(p.Roles, r)
		}
	}
	switch strings.TrimSpace(officesFlag) {
	case "":
		return p, fmt.Errorf("--offices is required: comma-separated office codes (known: %s), or '*' for every office",
			strings.Join(registry.Codes(), ", "))
	case "*":
		p.AllOffices = true
	default:
		for _, code := range strings.Split(officesFlag, ",") {
			code = strings.TrimSpace(code)
			if _, err := registry.Get(code); err != nil {
				return p, fmt.Errorf("--offices %q: office %q does not exist; known offices: %s, or '*' for every office",
					officesFlag, code, strings.Join(registry.Codes(), ", "))
			}
			if !slices.Contains(p.Offices, code) {
				p.Offices = append(p.Offices, code)
			}
		}
	}
	p.Subject = strings.TrimSpace(subject)
	if p.Subject == "" {
		p.Subject = "local-" + p.Roles[0]
	}
	if len(p.Subject) > 128 || strings.ContainsFunc(p.Subject, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return p, fmt.Errorf("--subject: must be at most 128 printable characters")
	}
	p.PartnerID = strings.TrimSpace(partner)
	if p.PartnerID != "" && !partnerIDRE.MatchString(p.PartnerID) {
		return p, fmt.Errorf("--partner %q: must be 1 to 64 letters, digits, '-' or '_'", partner)
	}
	if slices.Contains(p.Roles, auth.RolePartnerHome) && p.PartnerID == "" {
		return p, fmt.Errorf("--role %s needs --partner: the partner organisation the caller acts for", auth.RolePartnerHome)
	}
	return p, nil
}

const keysUsage = `usage: justice-local keys rotate --office OFFICE

Adds a new primary AES-256-GCM key to the office's keyset in KEYS_DIR (default
DATA_DIR/keys). Records written before stay readable with the older keys. A
running justice-local uses the new key for new writes once it reloads its keys:
send it SIGHUP (kill -HUP <pid>) or restart it.

flags:
`

// keys manages the encryption keysets: `keys rotate --office OFFICE`.
func keys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprint(stderr, keysUsage)
		if len(args) == 0 {
			return fmt.Errorf("%w: keys: no subcommand given; the one subcommand is rotate", errUsage)
		}
		return fmt.Errorf("%w: keys: unknown subcommand %q; the one subcommand is rotate", errUsage, args[0])
	}
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, keysUsage); fs.PrintDefaults() }
	code := fs.String("office", "", "the office whose keyset gets a new primary key")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: keys rotate: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: keys rotate: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg, err := loadConfig(ctx)
	if err != nil {
		return err
	}
	registry, err := office.LoadRegistry(cfg.Offices)
	if err != nil {
		return err
	}
	if *code == "" {
		return fmt.Errorf("%w: keys rotate: --office is required; known offices: %s", errUsage, strings.Join(registry.Codes(), ", "))
	}
	if _, err := registry.Get(*code); err != nil {
		return fmt.Errorf("%w: keys rotate: --office %q: unknown office; known offices: %s", errUsage, *code, strings.Join(registry.Codes(), ", "))
	}
	kcfg := cfg.Keys()
	if err := fieldcrypt.Rotate(kcfg, *code); err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	fmt.Fprintf(stdout, "rotated the keyset of office %s in %s\n", *code, kcfg.KeysDir)
	fmt.Fprintln(stdout, "a running justice-local uses it for new writes after SIGHUP (kill -HUP <pid>) or a restart; records written before stay readable")
	return nil
}
