package filtering_test

import (
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestParsedFiltersSelectTheRightDocumentsOnTheStore runs parsed filters
// against the embedded FerretDB, so the generated operators are known to
// mean on the store what the filter says.
func TestParsedFiltersSelectTheRightDocumentsOnTheStore(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	coll := db.Collection("survivors")
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	docs := []any{
		bson.M{"_id": "a", "office": "mumbai", "status": "CONFIRMED", "minor": true, "age_at_rescue": int32(15),
			"create_time": day(1), "rescue": bson.M{"district_code": "MH-23"}},
		bson.M{"_id": "b", "office": "mumbai", "status": "RAIDED", "minor": false, "age_at_rescue": int32(22),
			"create_time": day(2), "rescue": bson.M{"district_code": "MH-01"}},
		bson.M{"_id": "c", "office": "kolkata", "status": "CONFIRMED", "minor": false, "age_at_rescue": int64(30),
			"create_time": day(3), "cwc_production_time": day(3)},
		bson.M{"_id": "d", "office": "kolkata", "status": "CLOSED", "minor": true, "age_at_rescue": int32(17),
			"create_time": day(4), "cwc_production_time": day(5)},
		bson.M{"_id": "e", "office": "kolkata", "status": "SUSPECTED", "minor": true, "age_at_rescue": int32(12),
			"create_time": day(5)},
	}
	if _, err := coll.InsertMany(t.Context(), docs); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		filter string
		want   []string
	}{
		{"", []string{"a", "b", "c", "d", "e"}},
		{"status = CONFIRMED", []string{"a", "c"}},
		{"status = LOCATION_STATUS_CONFIRMED", []string{"a", "c"}},
		{"status != CONFIRMED", []string{"b", "d", "e"}},
		{"minor = true", []string{"a", "d", "e"}},
		{"age_at_rescue < 18", []string{"a", "d", "e"}},
		{"age_at_rescue >= 22", []string{"b", "c"}},
		{`create_time > "2024-01-02T00:00:00Z"`, []string{"c", "d", "e"}},
		{`create_time <= "2024-01-02T05:30:00+05:30"`, []string{"a", "b"}},
		{`rescue.district = "MH-23"`, []string{"a"}},
		{"office = mumbai AND status = CONFIRMED OR status = CLOSED", []string{"a"}},
		{"(office = mumbai AND status = CONFIRMED) OR status = CLOSED", []string{"a", "d"}},
		{"NOT office = mumbai", []string{"c", "d", "e"}},
		{"-(minor = true OR office = mumbai)", []string{"c"}},
		{"office = kolkata minor = true", []string{"d", "e"}},
		{"cwc_overdue = true", []string{"a", "e"}},
		{"cwc_overdue = false", []string{"b", "c", "d"}},
		{`office = "{\"$ne\": null}"`, nil},
	}
	for _, tt := range tests {
		filter, err := schema.Parse(tt.filter)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", tt.filter, err)
		}
		cur, err := coll.Find(t.Context(), filter)
		if err != nil {
			t.Fatalf("Find(%q) = %v", tt.filter, err)
		}
		var got []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(t.Context(), &got); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, tt.want) {
			t.Errorf("filter %q matched %v, want %v", tt.filter, ids, tt.want)
		}
	}
}
