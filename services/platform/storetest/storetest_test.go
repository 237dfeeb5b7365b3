package storetest_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestURIPointsAtTheRunningStore(t *testing.T) {
	t.Parallel()
	uri := storetest.URI(t)
	if !strings.HasPrefix(uri, "mongodb://127.0.0.1:") {
		t.Fatalf("URI() = %q, want a local mongodb:// URI", uri)
	}
}

var validName = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)

func TestNewDatabaseIsFreshUniqueAndValid(t *testing.T) {
	t.Parallel()
	a := storetest.NewDatabase(t)
	b := storetest.NewDatabase(t)
	if a.Name() == b.Name() {
		t.Fatalf("two databases share the name %q", a.Name())
	}
	for _, db := range []*mongo.Database{a, b} {
		if !validName.MatchString(db.Name()) {
			t.Errorf("database name %q is not 1..63 of [a-z0-9_]", db.Name())
		}
		n, err := db.Collection("c").CountDocuments(t.Context(), bson.M{})
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("new database %s has %d documents, want 0", db.Name(), n)
		}
	}
}

func TestNewDatabaseNameFitsForAVeryLongTestName(t *testing.T) {
	t.Parallel()
	t.Run(strings.Repeat("a_very_long_subtest_name_", 6), func(t *testing.T) {
		db := storetest.NewDatabase(t)
		if !validName.MatchString(db.Name()) {
			t.Errorf("database name %q is not 1..63 of [a-z0-9_]", db.Name())
		}
		if _, err := db.Collection("c").InsertOne(t.Context(), bson.M{"_id": 1}); err != nil {
			t.Fatalf("InsertOne() = %v", err)
		}
	})
}

func TestNewDatabaseIsDroppedWhenTheTestEnds(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("writer", func(t *testing.T) {
		db := storetest.NewDatabase(t)
		name = db.Name()
		if _, err := db.Collection("c").InsertOne(t.Context(), bson.M{"_id": 1}); err != nil {
			t.Fatal(err)
		}
	})
	client, err := mongo.Connect(options.Client().ApplyURI(storetest.URI(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	names, err := client.ListDatabaseNames(t.Context(), bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(names, name) {
		t.Errorf("database %s still exists after its test ended", name)
	}
}
