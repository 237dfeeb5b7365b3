package mongostore_test

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/storetest"
)

// secret stands for survivor identity: it must never appear in a span.
const secret = "Asha Devi 1999-04-12"

func tracedClient(t *testing.T) (*mongo.Database, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	client, err := mongo.Connect(options.Client().
		ApplyURI(storetest.URI(t)).
		SetMonitor(mongostore.NewMonitorWithProvider(tp)))
	if err != nil {
		t.Fatal(err)
	}
	db := client.Database("monitor_" + rand.Text())
	t.Cleanup(func() {
		_ = db.Drop(context.Background())
		_ = client.Disconnect(context.Background())
	})
	return db, rec
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]string {
	m := map[attribute.Key]string{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value.Emit()
	}
	return m
}

func spanNamed(t *testing.T, spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var names []string
	for _, s := range spans {
		if s.Name() == name {
			return s
		}
		names = append(names, s.Name())
	}
	t.Fatalf("no span named %q; spans: %v", name, names)
	return nil
}

func TestMonitorRecordsOneClientSpanPerCommandWithoutTheBody(t *testing.T) {
	t.Parallel()
	db, rec := tracedClient(t)
	ctx := t.Context()
	coll := db.Collection("survivors")

	if _, err := coll.InsertMany(ctx, []any{
		bson.M{"_id": "s1", "legal_name": secret},
		bson.M{"_id": "s2", "legal_name": secret},
		bson.M{"_id": "s3", "legal_name": secret},
	}); err != nil {
		t.Fatal(err)
	}
	// A batch size of 1 makes the driver fetch the rest with getMore.
	cur, err := coll.Find(ctx, bson.M{"legal_name": secret}, options.Find().SetBatchSize(1))
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("found %d documents, want 3", len(docs))
	}
	if err := db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		t.Fatal(err)
	}

	spans := rec.Ended()
	insert := spanNamed(t, spans, "insert survivors")
	if insert.SpanKind() != trace.SpanKindClient {
		t.Errorf("insert span kind = %v, want client", insert.SpanKind())
	}
	wantAttrs := map[attribute.Key]string{
		"db.system":          "mongodb",
		"db.operation.name":  "insert",
		"db.collection.name": "survivors",
		"db.namespace":       db.Name(),
	}
	got := attrs(insert)
	for k, v := range wantAttrs {
		if got[k] != v {
			t.Errorf("insert span attribute %s = %q, want %q", k, got[k], v)
		}
	}
	if insert.Status().Code == codes.Error {
		t.Errorf("insert span status = %v, want not an error", insert.Status())
	}
	spanNamed(t, spans, "find survivors")
	spanNamed(t, spans, "getMore survivors")
	ping := spanNamed(t, spans, "ping")
	if _, ok := attrs(ping)["db.collection.name"]; ok {
		t.Errorf("ping span has a collection attribute: %v", attrs(ping))
	}

	assertNoSecret(t, spans)
}

func TestMonitorMarksFailedCommandsAndWriteErrorsWithTheCodeOnly(t *testing.T) {
	t.Parallel()
	db, rec := tracedClient(t)
	ctx := t.Context()
	coll := db.Collection("survivors")
	if _, err := coll.InsertOne(ctx, bson.M{"_id": secret}); err != nil {
		t.Fatal(err)
	}
	// A duplicate _id: the command succeeds with a write error that quotes the key.
	if _, err := coll.InsertOne(ctx, bson.M{"_id": secret}); !mongostore.IsDuplicateKey(err) {
		t.Fatalf("second insert error = %v, want a duplicate key", err)
	}
	// A command that fails outright.
	if err := db.RunCommand(ctx, bson.D{{Key: "noSuchCommand", Value: secret}}).Err(); err == nil {
		t.Fatal("unknown command succeeded")
	}

	spans := rec.Ended()
	var inserts []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == "insert survivors" {
			inserts = append(inserts, s)
		}
	}
	if len(inserts) != 2 {
		t.Fatalf("insert spans = %d, want 2", len(inserts))
	}
	dup := inserts[1]
	if dup.Status().Code != codes.Error {
		t.Errorf("duplicate insert span status = %v, want error", dup.Status())
	}
	if got := attrs(dup)["db.response.status_code"]; got != "11000" {
		t.Errorf("duplicate insert status code attribute = %q, want 11000", got)
	}
	failed := spanNamed(t, spans, "noSuchCommand")
	if failed.Status().Code != codes.Error || !strings.HasPrefix(failed.Status().Description, "command failed") {
		t.Errorf("failed command span status = %+v, want error starting with %q", failed.Status(), "command failed")
	}
	assertNoSecret(t, spans)
}

func assertNoSecret(t *testing.T, spans []sdktrace.ReadOnlySpan) {
	t.Helper()
	for _, s := range spans {
		texts := []string{s.Name(), s.Status().Description}
		for _, kv := range s.Attributes() {
			texts = append(texts, kv.Value.Emit())
		}
		for _, e := range s.Events() {
			texts = append(texts, e.Name)
			for _, kv := range e.Attributes {
				texts = append(texts, kv.Value.Emit())
			}
		}
		if slices.ContainsFunc(texts, func(x string) bool { return strings.Contains(x, "Asha") }) {
			t.Errorf("span %q carries survivor data: %q", s.Name(), texts)
		}
	}
}
