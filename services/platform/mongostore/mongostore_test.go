package mongostore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func validConfig() mongostore.Config {
	return mongostore.Config{
		URI:              "mongodb://127.0.0.1:27017/",
		Database:         "rescue",
		ConnectTimeout:   10 * time.Second,
		OperationTimeout: 5 * time.Second,
	}
}

func TestConfigValidateNamesTheVariableAndWhatIsAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  func(*mongostore.Config)
		wantErr []string // substrings; empty means valid
	}{
		{name: "valid", change: func(*mongostore.Config) {}},
		{name: "empty URI is left to the binary", change: func(c *mongostore.Config) { c.URI = "" }},
		{name: "empty database is left to the binary", change: func(c *mongostore.Config) { c.Database = "" }},
		{name: "srv URI", change: func(c *mongostore.Config) { c.URI = "mongodb+srv://cluster.example.com/" }},
		{
			name:    "URI of another scheme",
			change:  func(c *mongostore.Config) { c.URI = "postgres://db/" },
			wantErr: []string{"MONGODB_URI", "mongodb://"},
		},
		{
			name:    "database with a dot",
			change:  func(c *mongostore.Config) { c.Database = "rescue.v1" },
			wantErr: []string{`MONGODB_DATABASE="rescue.v1"`, "1 to 63 characters"},
		},
		{
			name:    "database too long",
			change:  func(c *mongostore.Config) { c.Database = strings.Repeat("a", 64) },
			wantErr: []string{"MONGODB_DATABASE", "1 to 63 characters"},
		},
		{
			name:    "zero connect timeout",
			change:  func(c *mongostore.Config) { c.ConnectTimeout = 0 },
			wantErr: []string{"MONGODB_CONNECT_TIMEOUT=0s", "positive duration"},
		},
		{
			name:    "negative operation timeout",
			change:  func(c *mongostore.Config) { c.OperationTimeout = -time.Second },
			wantErr: []string{"MONGODB_OPERATION_TIMEOUT=-1s", "positive duration"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := validConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate() = %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestConfigValidateNeverPrintsTheURI(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.URI = "mongodb://admin:s3cret-password@db.example.com:27017/?authMechanism=NOPE"
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want an error for an unknown auth mechanism")
	}
	if strings.Contains(err.Error(), "s3cret-password") || strings.Contains(err.Error(), "admin") {
		t.Errorf("Validate() = %q, must not contain the URI's credentials", err)
	}
}

func TestConnectRejectsAnEmptyURI(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.URI = ""
	_, err := mongostore.Connect(t.Context(), cfg)
	if err == nil || !strings.Contains(err.Error(), "MONGODB_URI") {
		t.Fatalf("Connect() error = %v, want one naming MONGODB_URI", err)
	}
}

func TestConnectFailsWithinTheConnectTimeoutWhenNoServerListens(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.URI = "mongodb://127.0.0.1:1/" // nothing listens on port 1
	cfg.ConnectTimeout = 300 * time.Millisecond
	start := time.Now()
	client, err := mongostore.Connect(t.Context(), cfg)
	if err == nil {
		_ = client.Disconnect(context.Background())
		t.Fatal("Connect() = nil error, want a ping failure")
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Connect() took %v, want it bounded by the connect timeout", elapsed)
	}
	if !strings.Contains(err.Error(), "mongostore.Connect: ping") {
		t.Errorf("Connect() error = %q, want it wrapped as mongostore.Connect: ping", err)
	}
}

func TestConnectReturnsAWorkingClient(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.URI = storetest.URI(t)
	cfg.ConnectTimeout, cfg.OperationTimeout = 0, 0 // Connect applies the defaults
	client, err := mongostore.Connect(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Connect() = %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	db := client.Database("connect_" + rand.Text())
	t.Cleanup(func() { _ = db.Drop(context.Background()) })
	if _, err := db.Collection("c").InsertOne(t.Context(), bson.M{"_id": "a"}); err != nil {
		t.Fatalf("InsertOne with majority write concern = %v", err)
	}
}

func uniqueOn(field string) mongo.IndexModel {
	return mongo.IndexModel{
		Keys:    bson.D{{Key: field, Value: 1}},
		Options: options.Index().SetUnique(true).SetName(field + "_unique"),
	}
}

func TestUniqueIndexRejectsDuplicatesAndIsDuplicateKeyRecognisesEveryPath(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	coll := db.Collection("survivors")
	ctx := t.Context()
	if err := mongostore.EnsureIndexes(ctx, coll, []mongo.IndexModel{uniqueOn("pseudonym")}); err != nil {
		t.Fatalf("EnsureIndexes() = %v", err)
	}
	if _, err := coll.InsertMany(ctx, []any{
		bson.M{"_id": "s1", "pseudonym": "Rani"},
		bson.M{"_id": "s2", "pseudonym": "Meera"},
	}); err != nil {
		t.Fatalf("seed: %v", err)
	}

	writes := []struct {
		name  string
		write func() error
	}{
		{"insert of a duplicate unique field", func() error {
			_, err := coll.InsertOne(ctx, bson.M{"_id": "s3", "pseudonym": "Rani"})
			return err
		}},
		{"insert of a duplicate _id", func() error {
			_, err := coll.InsertOne(ctx, bson.M{"_id": "s1", "pseudonym": "Lata"})
			return err
		}},
		{"insert many with one duplicate", func() error {
			_, err := coll.InsertMany(ctx, []any{bson.M{"_id": "s4", "pseudonym": "Rani"}})
			return err
		}},
		{"update to a duplicate", func() error {
			_, err := coll.UpdateOne(ctx, bson.M{"_id": "s2"}, bson.M{"$set": bson.M{"pseudonym": "Rani"}})
			return err
		}},
		{"replace with a duplicate", func() error {
			_, err := coll.ReplaceOne(ctx, bson.M{"_id": "s2"}, bson.M{"pseudonym": "Rani"})
			return err
		}},
		{"findAndModify to a duplicate", func() error {
			return coll.FindOneAndUpdate(ctx, bson.M{"_id": "s2"}, bson.M{"$set": bson.M{"pseudonym": "Rani"}}).Err()
		}},
		{"upsert creating a duplicate", func() error {
			_, err := coll.UpdateOne(ctx, bson.M{"_id": "s5"}, bson.M{"$set": bson.M{"pseudonym": "Rani"}},
				options.UpdateOne().SetUpsert(true))
			return err
		}},
	}
	for _, w := range writes {
		// Sequential: the writes share one collection and its contents.
		err := w.write()
		if err == nil {
			t.Errorf("%s: succeeded, want the unique index to reject it", w.name)
			continue
		}
		if !mongostore.IsDuplicateKey(err) {
			t.Errorf("%s: IsDuplicateKey(%v) = false, want true", w.name, err)
		}
		if !mongostore.IsDuplicateKey(fmt.Errorf("repo.Create: %w", err)) {
			t.Errorf("%s: IsDuplicateKey of the wrapped error = false, want true", w.name)
		}
	}

	n, err := coll.CountDocuments(ctx, bson.M{"pseudonym": "Rani"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("documents with the unique value = %d after rejected writes, want 1", n)
	}
	var s2 bson.M
	if err := coll.FindOne(ctx, bson.M{"_id": "s2"}).Decode(&s2); err != nil {
		t.Fatal(err)
	}
	if s2["pseudonym"] != "Meera" {
		t.Errorf("s2 pseudonym = %v after rejected updates, want Meera", s2["pseudonym"])
	}
}

func TestIsDuplicateKeyIsFalseForOtherErrors(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	coll := db.Collection("c")
	// FerretDB v1 does not implement TTL indexes: a real server error that is not a duplicate.
	_, serverErr := coll.Indexes().CreateOne(t.Context(), mongo.IndexModel{
		Keys: bson.D{{Key: "expire_time", Value: 1}}, Options: options.Index().SetExpireAfterSeconds(0),
	})
	if serverErr == nil {
		t.Fatal("creating a TTL index succeeded; this test needs a server error that is not a duplicate")
	}
	for name, err := range map[string]error{
		"nil":                    nil,
		"plain error":            errors.New("E11000 duplicate key"),
		"not found":              mongo.ErrNoDocuments,
		"server error of a kind": serverErr,
		"internal error of another cause": mongo.CommandError{
			Code: 1, Name: "InternalError", Message: "disk I/O error",
		},
	} {
		if mongostore.IsDuplicateKey(err) {
			t.Errorf("IsDuplicateKey(%s: %v) = true, want false", name, err)
		}
	}
}

func TestEnsureIndexesIsIdempotent(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	coll := db.Collection("operations")
	models := []mongo.IndexModel{
		uniqueOn("fir_number"),
		{Keys: bson.D{{Key: "office", Value: 1}, {Key: "create_time", Value: -1}}, Options: options.Index().SetName("office_create_time")},
	}
	for i := range 2 {
		if err := mongostore.EnsureIndexes(t.Context(), coll, models); err != nil {
			t.Fatalf("EnsureIndexes() call %d = %v", i+1, err)
		}
	}
	specs, err := coll.Indexes().ListSpecifications(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range specs {
		got[s.Name] = true
	}
	for _, want := range []string{"_id_", "fir_number_unique", "office_create_time"} {
		if !got[want] {
			t.Errorf("index %q missing after EnsureIndexes; have %v", want, got)
		}
	}
	if len(specs) != 3 {
		t.Errorf("indexes = %d, want 3 (the second call must not add any)", len(specs))
	}
}

func TestEnsureIndexesWithNoModelsDoesNothing(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	if err := mongostore.EnsureIndexes(t.Context(), db.Collection("empty"), nil); err != nil {
		t.Fatalf("EnsureIndexes(nil) = %v", err)
	}
	names, err := db.ListCollectionNames(t.Context(), bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Errorf("collections = %v, want none created", names)
	}
}

func TestEnsureIndexesErrorNamesTheCollection(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	err := mongostore.EnsureIndexes(t.Context(), db.Collection("keys"), []mongo.IndexModel{{
		Keys: bson.D{{Key: "expire_time", Value: 1}}, Options: options.Index().SetExpireAfterSeconds(0),
	}})
	if err == nil {
		t.Fatal("EnsureIndexes(TTL index) = nil on FerretDB v1, want not implemented")
	}
	if !strings.Contains(err.Error(), `mongostore.EnsureIndexes: collection "keys"`) {
		t.Errorf("EnsureIndexes() = %q, want it to name the collection", err)
	}
}

func TestEnsureIndexesRejectsAnExistingNameWithOtherKeys(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	coll := db.Collection("cases")
	first := mongo.IndexModel{Keys: bson.D{{Key: "cnr", Value: 1}}, Options: options.Index().SetName("by_court")}
	changed := mongo.IndexModel{Keys: bson.D{{Key: "court", Value: 1}}, Options: options.Index().SetName("by_court")}
	if err := mongostore.EnsureIndexes(t.Context(), coll, []mongo.IndexModel{first}); err != nil {
		t.Fatal(err)
	}
	if err := mongostore.EnsureIndexes(t.Context(), coll, []mongo.IndexModel{changed}); err == nil {
		t.Fatal("EnsureIndexes() = nil for a changed index under an existing name, want a conflict error")
	}
}

func TestVersionedReplaceUnderWriteLocksLetsExactlyOneWriterWin(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	coll := db.Collection("locations")
	ctx := t.Context()
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "l1", "version": 1, "status": "SUSPECTED"}); err != nil {
		t.Fatal(err)
	}
	var locks mongostore.WriteLocks
	const writers = 8
	var wg sync.WaitGroup
	var wins atomic.Int32
	for i := range writers {
		wg.Go(func() {
			unlock := locks.Lock("locations/l1")
			defer unlock()
			res, err := coll.ReplaceOne(ctx, bson.M{"_id": "l1", "version": 1},
				bson.M{"version": 2, "status": fmt.Sprintf("writer-%d", i)})
			if err != nil {
				t.Error(err)
				return
			}
			if res.MatchedCount == 1 {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("writers that replaced version 1 = %d, want exactly 1", wins.Load())
	}
}

// TestEnsureIndexesLeavesSharedModelsAlone opens the same package-level
// models on two databases at once, as two services of one process do: the
// models' options are not written to (the race detector would see it).
func TestEnsureIndexesLeavesSharedModelsAlone(t *testing.T) {
	t.Parallel()
	models := []mongo.IndexModel{
		{Keys: bson.D{{Key: "time", Value: -1}}, Options: options.Index().SetName("time")},
		{Keys: bson.D{{Key: "office", Value: 1}}},
	}
	before := len(models[0].Options.Opts)
	dbs := []*mongo.Database{storetest.NewDatabase(t), storetest.NewDatabase(t)}
	errc := make(chan error, len(dbs))
	for _, db := range dbs {
		go func() { errc <- mongostore.EnsureIndexes(t.Context(), db.Collection("audit_log"), models) }()
	}
	for range dbs {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if got := len(models[0].Options.Opts); got != before || models[1].Options != nil {
		t.Errorf("the shared models changed: %d options (was %d), options of the unnamed one %v", got, before, models[1].Options)
	}
}
