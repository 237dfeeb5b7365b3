package service_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/rescue/service"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// maxRecv is the GRPC_MAX_RECV_MSG_BYTES of the servers under test.
const maxRecv = 64 << 10

// testIssuer is the "iss" of the tokens the tests mint.
const testIssuer = "https://issuer.rescue.test"

// identitySecrets are the distinctive protected identity values the tests
// send; none may ever appear in a log line (checked at the end of every test
// that starts a service), an error message or the raw database files.
var identitySecrets = []string{
	legalName, "98200 11111", "Hidden Lane",
	matrixLegalName, "Rukhsana Visibilitytest Begum", "Farzana Erasuretest", "Meera Duplicatetest Thakur",
	rawLegalName, rawContactDigits, rawAddress, rotationLegalName, auditLegalName, metricsLegalName,
}

// env is one rescue service on a real loopback listener, on its own database,
// reached through the generated client, with its own token issuer and keys.
type env struct {
	// client calls as the default caller: an investigator of mumbai and kolkata.
	client rescuev1.RescueServiceClient
	// anon calls without credentials; tests put a token in the context
	// (ctxAs) or send none.
	anon  rescuev1.RescueServiceClient
	audit auditv1.AuditServiceClient
	// metrics calls the MetricsSourceService without credentials, like anon.
	metrics metricsv1.MetricsSourceServiceClient
	// references calls the RescueReferenceService without credentials, like anon.
	references rescuev1.RescueReferenceServiceClient
	db         *mongo.Database
	logs       *kittest.Logs
	srv        *grpcserver.Server
	svc        *service.Service
	cfg        service.Config
	issuer     *auth.Issuer
	// issuerDir holds the token issuer's key; cfg.Keys.KeysDir the offices' keys.
	issuerDir string
	// stop stops the server and waits for it; later calls do nothing.
	stop func()
}

// options vary how start builds the service.
type options struct {
	// db is the service's database; nil means a fresh storetest database.
	db *mongo.Database
	// serverOptions builds the server's options; nil means svc.ServerOptions().
	serverOptions func(svc *service.Service, cfg service.Config, issuer *auth.Issuer) []grpc.ServerOption
	// restartOf, when set, starts the service again as after a stop of
	// that one: on its database, with its token issuer and its keys.
	restartOf *env
}

// defaultCaller is who env.client calls as.
var defaultCaller = identity.Principal{Subject: "priya", Roles: []string{auth.RoleInvestigator}, Offices: []string{"kolkata", "mumbai"}}

func start(t *testing.T) *env { return startWith(t, options{}) }

func startWith(t *testing.T, o options) *env {
	t.Helper()
	ctx := context.Background()
	logs := &kittest.Logs{}
	// Registered first, so it runs last: after the server has stopped and
	// written its final lines.
	t.Cleanup(func() { assertNoIdentityIn(t, "the service's logs", logs.String()) })

	issuerDir, keysDir := t.TempDir(), t.TempDir()
	if o.restartOf != nil {
		o.restartOf.stop()
		issuerDir, keysDir, o.db = o.restartOf.issuerDir, o.restartOf.cfg.Keys.KeysDir, o.restartOf.db
	}
	issuer, err := auth.LoadOrCreateIssuer(issuerDir, testIssuer, auth.DefaultAudience)
	if err != nil {
		t.Fatalf("LoadOrCreateIssuer: %v", err)
	}
	cfg, err := service.LoadConfig(ctx, envconfig.MapLookuper(map[string]string{
		"GRPC_ADDR":               "127.0.0.1:0",
		"GRPC_MAX_RECV_MSG_BYTES": "65536",
		"GRPC_SHUTDOWN_TIMEOUT":   "5s",
		"LOG_LEVEL":               "debug",
		"AUTH_ISSUER":             testIssuer,
		"AUTH_KEYS_FILE":          filepath.Join(issuerDir, auth.IssuerJWKSFile),
		"KEYS_DIR":                keysDir,
		"KEYS_CREATE":             "true",
	}))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if cfg.GRPC.MaxRecvMsgBytes != maxRecv || cfg.Mongo.Database != "rescue" || !cfg.CreateKeys {
		t.Fatalf("config not loaded as expected: %+v", cfg)
	}
	db := o.db
	if db == nil {
		db = storetest.NewDatabase(t)
	}
	logger := logging.New(logs, slog.LevelDebug)
	svc, err := service.New(ctx, cfg, db, logger)
	if err != nil {
		t.Fatalf("service.New: %v", err)
	}
	opts := svc.ServerOptions()
	if o.serverOptions != nil {
		opts = o.serverOptions(svc, cfg, issuer)
	}
	srv := grpcserver.New(cfg.GRPC, logger, service.ErrorDomain, opts...)
	svc.Attach(srv)
	lis, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(serveCtx, lis) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	e := &env{db: db, logs: logs, srv: srv, svc: svc, cfg: cfg, issuer: issuer, issuerDir: issuerDir, stop: stop}
	conn, err := grpcclient.Dial(lis.Addr().String(), grpc.WithPerRPCCredentials(auth.PerRPCCredentials(fixedToken(e.token(t, defaultCaller)))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	anon, err := grpcclient.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = anon.Close() })
	e.client = rescuev1.NewRescueServiceClient(conn)
	e.anon = rescuev1.NewRescueServiceClient(anon)
	e.audit = auditv1.NewAuditServiceClient(anon)
	e.metrics = metricsv1.NewMetricsSourceServiceClient(anon)
	e.references = rescuev1.NewRescueReferenceServiceClient(anon)
	return e
}

// fixedToken is a TokenSource of one token (kittest.Token).
type fixedToken = kittest.Token

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

// assertNoIdentityIn fails if text carries any of identitySecrets, in any case.
func assertNoIdentityIn(t *testing.T, what, text string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, secret := range identitySecrets {
		if strings.Contains(lower, strings.ToLower(secret)) {
			t.Errorf("%s carry protected identity %q", what, secret)
		}
	}
}

// ctxT is the context of one call (kittest.Context).
func ctxT(t *testing.T) context.Context { return kittest.Context(t) }

// collections are the service's record collections; the audit log
// ("audit_log") is not among them: refused calls are audited too.
var collections = []string{"locations", "operations", "survivors", "idempotency_keys"}

// counts is the number of documents in each collection of the service (kittest.Counts).
func (e *env) counts(t *testing.T) map[string]int64 { return kittest.Counts(t, e.db, collections...) }

// statusOf checks the code, the ErrorInfo reason and the service's error
// domain, and that each field has a BadRequest violation (kittest.Status).
func statusOf(t *testing.T, err error, code codes.Code, reason string, fields ...string) *status.Status {
	t.Helper()
	return kittest.Status(t, err, code, reason, service.ErrorDomain, fields...)
}

func errorInfo(st *status.Status) *errdetails.ErrorInfo { return kittest.ErrorInfo(st) }

// Fixtures made through the API.

func (e *env) location(t *testing.T, office string) *rescuev1.Location {
	t.Helper()
	l, err := e.client.CreateLocation(ctxT(t), &rescuev1.CreateLocationRequest{
		Parent: "offices/" + office,
		Location: &rescuev1.Location{
			DisplayName: "Lane 4 lodge", Type: rescuev1.LocationType_LOCATION_TYPE_HOTEL_OR_LODGE,
			Area: "Kamathipura", District: "Mumbai City",
		},
	})
	if err != nil {
		t.Fatalf("CreateLocation: %v", err)
	}
	return l
}

func (e *env) confirmedLocation(t *testing.T, office string) *rescuev1.Location {
	t.Helper()
	l := e.location(t, office)
	var err error
	if l, err = e.client.InvestigateLocation(ctxT(t), &rescuev1.InvestigateLocationRequest{Name: l.GetName()}); err != nil {
		t.Fatal(err)
	}
	if l, err = e.client.ConfirmLocation(ctxT(t), &rescuev1.ConfirmLocationRequest{Name: l.GetName()}); err != nil {
		t.Fatal(err)
	}
	return l
}

func operationAt(location string) *rescuev1.Operation {
	return &rescuev1.Operation{
		Location: location, PlannedTime: timestamppb.New(time.Now().Add(time.Hour)), PoliceUnit: "AHTU Mumbai",
		FirNumber: "112/2025", LegalBasis: rescuev1.OperationLegalBasis_OPERATION_LEGAL_BASIS_ITPA_S16_RESCUE,
	}
}

func (e *env) conductedOperation(t *testing.T, office string) *rescuev1.Operation {
	t.Helper()
	l := e.confirmedLocation(t, office)
	o, err := e.client.CreateOperation(ctxT(t), &rescuev1.CreateOperationRequest{Parent: "offices/" + office, Operation: operationAt(l.GetName())})
	if err != nil {
		t.Fatalf("CreateOperation: %v", err)
	}
	o, err = e.client.ConductOperation(ctxT(t), &rescuev1.ConductOperationRequest{
		Name: o.GetName(), ConductTime: timestamppb.New(time.Now().Add(-2 * time.Hour)), SuspectsApprehended: 3,
	})
	if err != nil {
		t.Fatalf("ConductOperation: %v", err)
	}
	return o
}

const legalName = "Sunita Kumari Secretname"

// adult is a valid adult survivor of the operation.
func adult(operation string) *rescuev1.Survivor {
	return &rescuev1.Survivor{
		Pseudonym: "Asha", LegalName: legalName, FamilyContact: "mother +91 98200 11111", Address: "House 7, Hidden Lane",
		AgeAtRescue: 22, Gender: rescuev1.Gender_GENDER_FEMALE, Citizenship: "NP", OriginRegion: "Sindhupalchok",
		Languages: []string{"ne", "hi"}, RescueTime: timestamppb.New(time.Now().Add(-time.Hour)), Operation: operation,
		MeansOfControl: []rescuev1.MeansOfControl{rescuev1.MeansOfControl_MEANS_OF_CONTROL_DEBT_BONDAGE},
		LegalBasis:     &rescuev1.LegalBasis{Basis: rescuev1.LawfulBasis_LAWFUL_BASIS_CONSENT, Reference: "Consent form 44"},
	}
}

// minor is a valid minor survivor of the operation, rescued `ago`.
func minor(operation string, ago time.Duration) *rescuev1.Survivor {
	s := adult(operation)
	s.AgeAtRescue = 15
	s.RescueTime = timestamppb.New(time.Now().Add(-ago))
	s.LegalBasis = &rescuev1.LegalBasis{Basis: rescuev1.LawfulBasis_LAWFUL_BASIS_CHILD_PROTECTION_UNDER_LAW, Reference: "CWC 3/2025"}
	return s
}
