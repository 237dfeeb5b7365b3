package service_test

// The harness of the prosecution service's tests: a real rescue service and
// the prosecution service, each on its own loopback listener and database
// of one embedded store (storetest), sharing one token issuer, reached
// through the generated clients. The prosecution service reaches rescue
// with its own service identity, as in production.

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/prosecution/service"
	rescue "github.com/justiceops/justice/services/rescue/service"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// testIssuer is the "iss" of the tokens the tests mint, for both services.
const testIssuer = "https://issuer.prosecution.test"

// survivorLegalName is the protected identity of every survivor the tests
// create in rescue: it may appear nowhere on the prosecution side (its
// logs, its database, its errors), nor in rescue's logs.
const survivorLegalName = "Kavita Prosecutiontest Secretname"

// identitySecrets are the distinctive identity values the tests send to rescue.
var identitySecrets = []string{survivorLegalName, "98200 22222", "Hidden Court Lane"}

// env is a prosecution service and the rescue service it asks about
// survivors and operations.
type env struct {
	// client calls prosecution as the default caller: a lawyer of mumbai and kolkata.
	client prosecutionv1.ProsecutionServiceClient
	// anon calls prosecution without credentials; tests put a token in the
	// context (ctxAs, ctxRole) or send none.
	anon prosecutionv1.ProsecutionServiceClient
	// audit and metrics call prosecution's AuditService and
	// MetricsSourceService without credentials, like anon.
	audit   auditv1.AuditServiceClient
	metrics metricsv1.MetricsSourceServiceClient
	// rescue is the rescue service prosecution asks.
	rescue *rescueEnv

	db     *mongo.Database
	logs   *kittest.Logs
	srv    *grpcserver.Server
	svc    *service.Service
	cfg    service.Config
	issuer *auth.Issuer
	// issuerDir holds the token issuer's key (its JWKS verifies both services' callers).
	issuerDir string
}

// rescueEnv is a running rescue service that can be stopped and started
// again on the same address.
type rescueEnv struct {
	// client calls rescue as an investigator of mumbai and kolkata.
	client rescuev1.RescueServiceClient
	addr   string
	svc    *rescue.Service
	cfg    rescue.Config
	logger *slog.Logger

	mu   sync.Mutex
	stop func()
}

// defaultCaller is who env.client calls as.
var defaultCaller = identity.Principal{Subject: "advocate-anita", Roles: []string{auth.RoleLawyer}, Offices: []string{"kolkata", "mumbai"}}

// rescueCaller is who rescueEnv.client calls as.
var rescueCaller = identity.Principal{Subject: "investigator-priya", Roles: []string{auth.RoleInvestigator}, Offices: []string{"kolkata", "mumbai"}}

// ServiceIdentity is the identity the prosecution service calls rescue
// with: role service, every office.
var serviceIdentity = identity.Principal{Subject: auth.ServiceSubjectPrefix + "prosecution", Roles: []string{auth.RoleService}, AllOffices: true}

// start starts rescue and prosecution, and stops them when the test ends.
func start(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	logs := &kittest.Logs{}
	// Registered first, so it runs last: after both servers have stopped.
	t.Cleanup(func() { assertNoIdentityIn(t, "the services' logs", logs.String()) })
	logger := logging.New(logs, slog.LevelDebug)

	issuerDir := t.TempDir()
	issuer, err := auth.LoadOrCreateIssuer(issuerDir, testIssuer, auth.DefaultAudience)
	if err != nil {
		t.Fatalf("LoadOrCreateIssuer: %v", err)
	}
	security := func() map[string]string {
		return map[string]string{
			"GRPC_ADDR": "127.0.0.1:0", "GRPC_MAX_RECV_MSG_BYTES": "65536", "GRPC_SHUTDOWN_TIMEOUT": "5s", "LOG_LEVEL": "debug",
			"AUTH_ISSUER": testIssuer, "AUTH_KEYS_FILE": filepath.Join(issuerDir, auth.IssuerJWKSFile),
			"KEYS_DIR": t.TempDir(), "KEYS_CREATE": "true",
		}
	}
	e := &env{logs: logs, issuer: issuer, issuerDir: issuerDir}
	e.rescue = startRescue(t, ctx, security(), logger)
	e.rescue.client = rescuev1.NewRescueServiceClient(e.dial(t, e.rescue.addr, e.token(t, rescueCaller)))

	env := security()
	env["RESCUE_ADDR"], env["RESCUE_TIMEOUT"] = e.rescue.addr, "2s"
	cfg, err := service.LoadConfig(ctx, envconfig.MapLookuper(env))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if cfg.Mongo.Database != "prosecution" || cfg.RescueAddr != e.rescue.addr || cfg.RescueTimeout != 2*time.Second {
		t.Fatalf("config not loaded as expected: %+v", cfg)
	}
	e.cfg = cfg
	// Prosecution's connection to rescue carries its own service identity;
	// it reconnects quickly, so a rescue started again is reached at once.
	toRescue, err := grpcclient.Dial(e.rescue.addr,
		grpc.WithPerRPCCredentials(auth.PerRPCCredentials(issuer.ServiceTokenSource("prosecution", nil, true))),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.2,
			MaxDelay: 200 * time.Millisecond}, MinConnectTimeout: time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = toRescue.Close() })
	e.db = storetest.NewDatabase(t)
	e.svc, err = service.New(ctx, cfg, e.db, toRescue, logger)
	if err != nil {
		t.Fatalf("service.New: %v", err)
	}
	e.srv = grpcserver.New(cfg.GRPC, logger, service.ErrorDomain, e.svc.ServerOptions()...)
	e.svc.Attach(e.srv)
	addr := serve(t, e.srv)
	e.client = prosecutionv1.NewProsecutionServiceClient(e.dial(t, addr, e.token(t, defaultCaller)))
	anon := e.dial(t, addr, "")
	e.anon = prosecutionv1.NewProsecutionServiceClient(anon)
	e.audit = auditv1.NewAuditServiceClient(anon)
	e.metrics = metricsv1.NewMetricsSourceServiceClient(anon)
	return e
}

// startRescue starts a rescue service on its own database.
func startRescue(t *testing.T, ctx context.Context, env map[string]string, logger *slog.Logger) *rescueEnv {
	t.Helper()
	cfg, err := rescue.LoadConfig(ctx, envconfig.MapLookuper(env))
	if err != nil {
		t.Fatalf("rescue.LoadConfig: %v", err)
	}
	svc, err := rescue.New(ctx, cfg, storetest.NewDatabase(t), logger)
	if err != nil {
		t.Fatalf("rescue.New: %v", err)
	}
	r := &rescueEnv{svc: svc, cfg: cfg, logger: logger}
	r.start(t)
	t.Cleanup(r.halt)
	return r
}

// start serves rescue, on the address it had before if it had one.
func (r *rescueEnv) start(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg := r.cfg.GRPC
	if r.addr != "" {
		cfg.Addr = r.addr
	}
	srv := grpcserver.New(cfg, r.logger, rescue.ErrorDomain, r.svc.ServerOptions()...)
	r.svc.Attach(srv)
	var lis net.Listener
	var err error
	for range 50 { // the port may take a moment to be free again
		if lis, err = srv.Listen(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("rescue Listen: %v", err)
	}
	r.addr = lis.Addr().String()
	r.stop = serveUntil(t, srv, lis)
}

// halt stops rescue and waits until it has stopped; halting a stopped rescue does nothing.
func (r *rescueEnv) halt() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
}

// serve serves srv on a new listener until the test ends and returns its address.
func serve(t *testing.T, srv *grpcserver.Server) string {
	t.Helper()
	lis, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(serveUntil(t, srv, lis))
	return lis.Addr().String()
}

// serveUntil serves srv on lis in the background and returns the function
// that stops it and waits for it.
func serveUntil(t *testing.T, srv *grpcserver.Server, lis net.Listener) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
}

// dial connects to addr, with token on every call when it is not empty.
func (e *env) dial(t *testing.T, addr, token string) *grpc.ClientConn {
	t.Helper()
	var opts []grpc.DialOption
	if token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(kittest.Token(token))))
	}
	conn, err := grpcclient.Dial(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// token mints a token for p (kittest.Mint).
func (e *env) token(t *testing.T, p identity.Principal) string { return kittest.Mint(t, e.issuer, p) }

// ctxAs is a call context carrying a token for p (kittest.As): use it with
// the clients without credentials of their own.
func (e *env) ctxAs(t *testing.T, p identity.Principal) context.Context {
	return kittest.As(t, e.issuer, p)
}

// ctxRole is ctxAs for a caller named after its role, holding the given offices.
func (e *env) ctxRole(t *testing.T, role string, offices ...string) context.Context {
	return kittest.As(t, e.issuer, kittest.RoleCaller(role, offices...))
}

// ctxT is the context of one call (kittest.Context).
func ctxT(t *testing.T) context.Context { return kittest.Context(t) }

// assertNoIdentityIn fails if text carries any of identitySecrets, in any case.
func assertNoIdentityIn(t *testing.T, what, text string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, secret := range identitySecrets {
		if strings.Contains(lower, strings.ToLower(secret)) {
			t.Errorf("%s carry survivor identity %q", what, secret)
		}
	}
}

// collections are the prosecution service's record collections and its
// idempotency keys; the audit log is not among them (refused calls are
// audited too).
var collections = []string{"cases", "accused", "hearings", "witnesses", "compensations", "idempotency_keys"}

// counts is the number of documents in each collection of the service (kittest.Counts).
func (e *env) counts(t *testing.T) map[string]int64 { return kittest.Counts(t, e.db, collections...) }

// assertUnchanged fails if the document counts differ from before.
func (e *env) assertUnchanged(t *testing.T, before map[string]int64) {
	t.Helper()
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("documents changed: before %v after %v", before, after)
	}
}

// statusOf checks the code, the ErrorInfo reason and the service's error
// domain, and that each field has a BadRequest violation (kittest.Status).
func statusOf(t *testing.T, err error, code codes.Code, reason string, fields ...string) *status.Status {
	t.Helper()
	return kittest.Status(t, err, code, reason, service.ErrorDomain, fields...)
}

// Rescue fixtures, made through rescue's API.

// operation returns a new CONDUCTED rescue operation of office, at a
// confirmed location.
func (r *rescueEnv) operation(t *testing.T, office string) *rescuev1.Operation {
	t.Helper()
	ctx := ctxT(t)
	l, err := r.client.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/" + office, Location: &rescuev1.Location{
		DisplayName: "Lane 9 lodge", Type: rescuev1.LocationType_LOCATION_TYPE_HOTEL_OR_LODGE, Area: "Kamathipura",
	}})
	if err != nil {
		t.Fatalf("CreateLocation: %v", err)
	}
	if _, err := r.client.InvestigateLocation(ctx, &rescuev1.InvestigateLocationRequest{Name: l.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.ConfirmLocation(ctx, &rescuev1.ConfirmLocationRequest{Name: l.GetName()}); err != nil {
		t.Fatal(err)
	}
	o, err := r.client.CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/" + office, Operation: &rescuev1.Operation{
		Location: l.GetName(), PlannedTime: timestamppb.New(time.Now().Add(time.Hour)), PoliceUnit: "AHTU",
		LegalBasis: rescuev1.OperationLegalBasis_OPERATION_LEGAL_BASIS_ITPA_S16_RESCUE,
	}})
	if err != nil {
		t.Fatalf("CreateOperation: %v", err)
	}
	o, err = r.client.ConductOperation(ctx, &rescuev1.ConductOperationRequest{Name: o.GetName(),
		ConductTime: timestamppb.New(time.Now().Add(-3 * time.Hour)), SuspectsApprehended: 2})
	if err != nil {
		t.Fatalf("ConductOperation: %v", err)
	}
	return o
}

// survivor returns a new survivor rescued by a new operation of office;
// a minor when minor is true. Its identity is survivorLegalName.
func (r *rescueEnv) survivor(t *testing.T, office string, minor bool) *rescuev1.Survivor {
	t.Helper()
	o := r.operation(t, office)
	s := &rescuev1.Survivor{
		Pseudonym: "Meera", LegalName: survivorLegalName, FamilyContact: "brother 98200 22222", Address: "Hidden Court Lane",
		AgeAtRescue: 24, Gender: rescuev1.Gender_GENDER_FEMALE, Citizenship: "IN",
		RescueTime: timestamppb.New(time.Now().Add(-2 * time.Hour)), Operation: o.GetName(),
		LegalBasis: &rescuev1.LegalBasis{Basis: rescuev1.LawfulBasis_LAWFUL_BASIS_CONSENT, Reference: "Consent form 9"},
	}
	if minor {
		s.AgeAtRescue = 16
		s.LegalBasis = &rescuev1.LegalBasis{Basis: rescuev1.LawfulBasis_LAWFUL_BASIS_CHILD_PROTECTION_UNDER_LAW, Reference: "CWC 7/2025"}
	}
	sv, err := r.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/" + office, Survivor: s})
	if err != nil {
		t.Fatalf("CreateSurvivor: %v", err)
	}
	return sv
}

// Prosecution fixtures.

func day(y, m, d int32) *date.Date { return &date.Date{Year: y, Month: m, Day: d} }

// newCase is a valid case whose FIR and charge fall under BNS, linking the
// given rescue names (survivors and operations).
func newCase(links ...string) *prosecutionv1.Case {
	c := &prosecutionv1.Case{
		Title: "State v. Accused 1 and others", FirNumber: "231/2024", PoliceStation: "Nagpada Police Station",
		FirDate: day(2024, 8, 2), Court: "Sessions Court, Mumbai",
		Charges: []*prosecutionv1.Charge{{Statute: prosecutionv1.Statute_STATUTE_BNS, Section: "143", OffenceDate: day(2024, 8, 1)}},
	}
	for _, name := range links {
		if strings.Contains(name, "/survivors/") {
			c.Survivors = append(c.Survivors, name)
		} else {
			c.Operations = append(c.Operations, name)
		}
	}
	return c
}

// createCase creates a case of office through the API as the default caller.
func (e *env) createCase(t *testing.T, office string, links ...string) *prosecutionv1.Case {
	t.Helper()
	c, err := e.client.CreateCase(ctxT(t), &prosecutionv1.CreateCaseRequest{Parent: "offices/" + office, Case: newCase(links...)})
	if err != nil {
		t.Fatalf("CreateCase: %v", err)
	}
	return c
}
