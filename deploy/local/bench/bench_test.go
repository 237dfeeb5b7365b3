// Package bench measures the latency the REST edge adds to direct gRPC, on a
// whole local stack over the embedded store. Run it with `make bench`
// (scripts/bench.sh), which writes scripts/bench/results.md.
//
// Both paths carry the same investigator's bearer token, so both include
// what every real call pays: token verification (twice through the edge:
// at the edge and in the service), the policy check, the audit entry of a
// survivor access and the encryption of the survivor's identity.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/justiceops/justice/deploy/local/stack"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/ratelimit"
)

var (
	env struct {
		stack    *stack.Stack
		client   rescuev1.RescueServiceClient
		rest     string
		token    string
		op       string
		survivor string
	}
)

// staticToken is a TokenSource that always returns the same token.
type staticToken string

func (t staticToken) Token(context.Context) (string, error) { return string(t), nil }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "justice-bench-")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		// The rate limit is far above what the benchmark sends: it measures
		// latency, not the limiter.
		cfg := stack.Config{DataDir: dir, StoreAddr: "127.0.0.1:0", RescueAddr: "127.0.0.1:0", ProsecutionAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", GatewayGRPCAddr: "127.0.0.1:0",
			AuthIssuer: "justice-local", AuthAudience: "justice", RateLimit: ratelimit.Config{RPS: ratelimit.MaxRPS, Burst: ratelimit.MaxBurst}}
		s, err := stack.Start(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: start stack:", err)
			return 1
		}
		defer s.Stop()
		// An investigator of mumbai: every call the benchmark makes, identity
		// included, so both paths verify a token, check the policy and audit.
		env.token, err = s.Issuer.Mint(identity.Principal{Subject: "bench", Roles: []string{auth.RoleInvestigator}, Offices: []string{"mumbai"}}, 24*time.Hour)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: mint token:", err)
			return 1
		}
		conn, err := grpc.NewClient(s.Addrs.Rescue, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithPerRPCCredentials(auth.PerRPCCredentials(staticToken(env.token))))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: dial:", err)
			return 1
		}
		defer conn.Close()
		env.stack, env.client, env.rest = s, rescuev1.NewRescueServiceClient(conn), "http://"+s.Addrs.HTTP
		if err := seed(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "bench: seed:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// seed creates a conducted operation and one survivor to read.
func seed(ctx context.Context) error {
	c := env.client
	loc, err := c.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/mumbai", Location: &rescuev1.Location{
		DisplayName: "bench site", Type: rescuev1.LocationType_LOCATION_TYPE_BROTHEL}})
	if err != nil {
		return err
	}
	for _, step := range []func() (*rescuev1.Location, error){
		func() (*rescuev1.Location, error) {
			return c.InvestigateLocation(ctx, &rescuev1.InvestigateLocationRequest{Name: loc.GetName()})
		},
		func() (*rescuev1.Location, error) {
			return c.ConfirmLocation(ctx, &rescuev1.ConfirmLocationRequest{Name: loc.GetName()})
		},
	} {
		if _, err := step(); err != nil {
			return err
		}
	}
	now := time.Now()
	op, err := c.CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/mumbai", Operation: &rescuev1.Operation{
		Location: loc.GetName(), PlannedTime: timestamppb.New(now.Add(-3 * time.Hour)), PoliceUnit: "AHTU",
		LegalBasis: rescuev1.OperationLegalBasis_OPERATION_LEGAL_BASIS_ITPA_S16_RESCUE}})
	if err != nil {
		return err
	}
	if _, err := c.ConductOperation(ctx, &rescuev1.ConductOperationRequest{Name: op.GetName(), ConductTime: timestamppb.New(now.Add(-2 * time.Hour))}); err != nil {
		return err
	}
	env.op = op.GetName()
	sv, err := c.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: newSurvivor()})
	if err != nil {
		return err
	}
	env.survivor = sv.GetName()
	return nil
}

func newSurvivor() *rescuev1.Survivor {
	return &rescuev1.Survivor{
		Pseudonym: "Bench", LegalName: "Bench Person", AgeAtRescue: 24, Gender: rescuev1.Gender_GENDER_FEMALE, Citizenship: "IN",
		RescueTime: timestamppb.New(time.Now().Add(-time.Hour)), Operation: env.op,
		LegalBasis: &rescuev1.LegalBasis{Basis: rescuev1.LawfulBasis_LAWFUL_BASIS_CONSENT, Reference: "CF-1"},
	}
}

// measure runs op b.N times and reports p50 and p99 latency in microseconds.
func measure(b *testing.B, op func() error) {
	b.Helper()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

func restDo(method, path string, body []byte, want int) error {
	req, err := http.NewRequest(method, env.rest+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+env.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d", method, path, res.StatusCode, want)
	}
	return nil
}

func BenchmarkGetSurvivor(b *testing.B) {
	ctx := context.Background()
	b.Run("grpc", func(b *testing.B) {
		measure(b, func() error {
			_, err := env.client.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: env.survivor})
			return err
		})
	})
	b.Run("rest", func(b *testing.B) {
		measure(b, func() error { return restDo("GET", "/v1/"+env.survivor, nil, 200) })
	})
}

func BenchmarkCreateSurvivor(b *testing.B) {
	ctx := context.Background()
	b.Run("grpc", func(b *testing.B) {
		measure(b, func() error {
			_, err := env.client.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: newSurvivor()})
			return err
		})
	})
	b.Run("rest", func(b *testing.B) {
		body, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(newSurvivor())
		if err != nil {
			b.Fatal(err)
		}
		measure(b, func() error { return restDo("POST", "/v1/offices/mumbai/survivors", body, 201) })
	})
}
