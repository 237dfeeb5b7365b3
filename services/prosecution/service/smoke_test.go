package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/prosecution/service"
)

// TestSmoke_CreateCaseLinkingASurvivor is the smoke test of the wiring: a
// case created in prosecution links a survivor and an operation that
// rescue confirms, stores their names only, and refuses one rescue does
// not know.
func TestSmoke_CreateCaseLinkingASurvivor(t *testing.T) {
	t.Parallel()
	e := start(t)
	for _, name := range []string{service.HealthService, service.AuditHealthService, service.MetricsHealthService} {
		resp, err := e.srv.Health().Check(context.Background(), &healthpb.HealthCheckRequest{Service: name})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health of %s = %v, %v", name, resp, err)
		}
	}
	sv := e.rescue.survivor(t, "mumbai", true)
	op := e.rescue.operation(t, "mumbai")

	c := e.createCase(t, "mumbai", sv.GetName(), op.GetName())
	if !slices.Equal(c.GetSurvivors(), []string{sv.GetName()}) || !slices.Equal(c.GetOperations(), []string{op.GetName()}) ||
		c.GetStage() != prosecutionv1.CaseStage_CASE_STAGE_FIR_REGISTERED || c.GetEtag() == "" || c.GetCreatedBy() != defaultCaller.Subject {
		t.Fatalf("created case = %v", c)
	}
	got, err := e.client.GetCase(ctxT(t), &prosecutionv1.GetCaseRequest{Name: c.GetName()})
	if err != nil || !slices.Equal(got.GetSurvivors(), []string{sv.GetName()}) {
		t.Fatalf("GetCase = %v, %v", got, err)
	}
	w, err := e.client.CreateWitness(ctxT(t), &prosecutionv1.CreateWitnessRequest{Parent: c.GetName(),
		Witness: &prosecutionv1.Witness{Survivor: sv.GetName()}})
	if err != nil || !w.GetMinor() || w.GetTestimonyStatus() != prosecutionv1.TestimonyStatus_TESTIMONY_STATUS_PENDING {
		t.Fatalf("CreateWitness = %v, %v; want the minority rescue reported", w, err)
	}

	before := e.counts(t)
	absent := "offices/mumbai/survivors/absent1"
	_, err = e.client.LinkCaseReference(ctxT(t), &prosecutionv1.LinkCaseReferenceRequest{Name: c.GetName(), Reference: absent})
	st := statusOf(t, err, codes.NotFound, "REFERENCE_NOT_FOUND", "reference")
	if st.Message() != "survivor "+absent+" does not exist in rescue" {
		t.Errorf("message = %q", st.Message())
	}
	e.assertUnchanged(t, before)

	// The database holds rescue names, never identity.
	for _, coll := range []string{"cases", "witnesses"} {
		cur, err := e.db.Collection(coll).Find(context.Background(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(context.Background(), &docs); err != nil {
			t.Fatal(err)
		}
		text := strings.ToLower(bsonText(t, docs))
		assertNoIdentityIn(t, "the "+coll+" collection", text)
		if strings.Contains(text, "meera") || !strings.Contains(text, sv.GetName()) {
			t.Errorf("the %s collection holds the pseudonym or not the survivor's name: %s", coll, text)
		}
	}
}

// TestSmoke_HarnessStopsAndStartsRescue checks the harness's rescue can be
// stopped (links fail UNAVAILABLE with a retry delay, writing nothing) and
// started again on its address (links work again).
func TestSmoke_HarnessStopsAndStartsRescue(t *testing.T) {
	t.Parallel()
	e := start(t)
	sv := e.rescue.survivor(t, "mumbai", false)
	c := e.createCase(t, "mumbai")
	e.rescue.halt()
	before := e.counts(t)
	_, err := e.client.LinkCaseReference(ctxT(t), &prosecutionv1.LinkCaseReferenceRequest{Name: c.GetName(), Reference: sv.GetName(), RequestId: "link-1"})
	st := statusOf(t, err, codes.Unavailable, "RESCUE_UNAVAILABLE")
	if ri := kittest.RetryInfo(st); ri == nil || ri.GetRetryDelay().AsDuration() <= 0 || !strings.Contains(st.Message(), "retry") {
		t.Errorf("UNAVAILABLE %q with retry info %v: want a retry delay and a message saying to retry", st.Message(), ri)
	}
	e.assertUnchanged(t, before)

	e.rescue.start(t)
	var linked *prosecutionv1.Case
	deadline := time.Now().Add(15 * time.Second)
	for {
		linked, err = e.client.LinkCaseReference(ctxT(t), &prosecutionv1.LinkCaseReferenceRequest{Name: c.GetName(), Reference: sv.GetName(), RequestId: "link-1"})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || !slices.Equal(linked.GetSurvivors(), []string{sv.GetName()}) {
		t.Fatalf("link after rescue started again = %v, %v", linked, err)
	}
}

// bsonText renders documents as extended JSON, for searching.
func bsonText(t *testing.T, docs []bson.M) string {
	t.Helper()
	var b strings.Builder
	for _, d := range docs {
		j, err := bson.MarshalExtJSON(d, false, false)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
	}
	return b.String()
}
