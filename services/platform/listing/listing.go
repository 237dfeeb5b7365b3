// Package listing implements AIP-132 List methods on MongoDB collections:
// an allowlisted AIP-160 filter, an allowlisted order_by, and keyset
// pagination with tamper-evident page tokens.
//
// Keyset pagination sorts by the requested fields and then by _id, and asks
// for the documents strictly after the last one returned, so pages never
// overlap or skip an item even when many documents share a sort value, and
// the cost of a page does not grow with its depth (no skip, no offsets).
// Items inserted or changed while a caller pages through appear or not
// according to where their sort values fall, as with any keyset cursor.
//
// Requirements on the documents: every order_by field is present, not null,
// not an array, and of one BSON type across the collection (numbers of
// different widths are fine). A document that breaks this makes Find fail
// with an internal error rather than silently drop or repeat items.
package listing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/pagination"
)

// ReasonInvalidOrderBy is the ErrorInfo reason of a rejected order_by.
const ReasonInvalidOrderBy = "INVALID_ORDER_BY"

// idPath is the tie-breaker every sort ends with.
const idPath = "_id"

// Spec describes what a List method allows.
type Spec struct {
	// Filter lists the filterable fields.
	Filter filtering.Schema
	// OrderBy maps each field allowed in order_by (its API name) to its
	// document path. Only fields whose values the caller may see belong
	// here: the page token carries the last item's sort values.
	OrderBy map[string]string
	// DefaultOrder is used when the request's order_by is empty, e.g.
	// "create_time desc". Empty means by _id.
	DefaultOrder string
}

// Request is one List call.
type Request struct {
	// Scope is the restriction the repository always adds, e.g. the
	// caller's offices {office: {$in: [...]}}. It is ANDed with the filter,
	// and is part of what the page token is bound to.
	Scope bson.D
	// Filter is the AIP-160 filter from the request.
	Filter string
	// OrderBy is the AIP-132 order_by from the request, e.g. "create_time desc, display_name".
	OrderBy string
	// PageToken is the request's page_token; empty for the first page.
	PageToken string
	// PageSize is the request's page_size (0 means the default).
	PageSize int32
	// QueryKey is the canonical parent, e.g. "offices/mumbai" or
	// "offices/-": a page token only works with the same parent.
	QueryKey string
}

// Page is one page of results.
type Page[T any] struct {
	// Items holds at most the page size items, in order.
	Items []T
	// NextPageToken continues the listing; empty on the last page.
	NextPageToken string
}

// sortKey is one field of the sort.
type sortKey struct {
	path string
	desc bool
}

// Find returns one page of the documents of coll that match req.Scope and
// req.Filter, in req.OrderBy order (spec.DefaultOrder when empty) then by
// _id, after the position in req.PageToken, decoded into T with bson.
//
// Errors: INVALID_ARGUMENT with reason INVALID_PAGE_SIZE, INVALID_FILTER,
// INVALID_ORDER_BY or INVALID_PAGE_TOKEN for bad requests (a token only
// works with the same collection, QueryKey, Scope, filter and order_by it
// was issued for; the page size may change between pages), an internal
// error for a bad Spec or documents that break the package's requirements.
func Find[T any](ctx context.Context, coll *mongo.Collection, codec *pagination.Codec, spec Spec, req Request) (Page[T], error) {
	if codec == nil {
		return Page[T]{}, errs.Internal(errors.New("listing.Find: nil page token codec"))
	}
	size, err := pagination.PageSize(req.PageSize)
	if err != nil {
		return Page[T]{}, err
	}
	filter, err := spec.Filter.Parse(req.Filter)
	if err != nil {
		return Page[T]{}, err
	}
	keys, err := sortKeys(spec, req.OrderBy)
	if err != nil {
		return Page[T]{}, err
	}
	query, err := queryKey(coll, req, filter, keys)
	if err != nil {
		return Page[T]{}, err
	}

	conditions := make([]bson.D, 0, 3)
	if len(req.Scope) > 0 {
		conditions = append(conditions, req.Scope)
	}
	if len(filter) > 0 {
		conditions = append(conditions, filter)
	}
	if req.PageToken != "" {
		cursor, err := codec.Decode(req.PageToken, query)
		if err != nil {
			return Page[T]{}, err
		}
		after, err := keysetCondition(keys, cursor)
		if err != nil {
			return Page[T]{}, err
		}
		conditions = append(conditions, after)
	}

	sort := make(bson.D, len(keys))
	for i, k := range keys {
		dir := 1
		if k.desc {
			dir = -1
		}
		sort[i] = bson.E{Key: k.path, Value: dir}
	}
	cur, err := coll.Find(ctx, and(conditions), options.Find().SetSort(sort).SetLimit(int64(size)+1))
	if err != nil {
		return Page[T]{}, fmt.Errorf("listing.Find: %w", err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()

	page := Page[T]{Items: make([]T, 0, min(size, 64))}
	var last []bson.RawValue
	more := false
	for cur.Next(ctx) {
		if len(page.Items) == size {
			more = true
			break
		}
		values, err := sortValues(keys, cur.Current)
		if err != nil {
			return Page[T]{}, err
		}
		var item T
		if err := cur.Decode(&item); err != nil {
			return Page[T]{}, fmt.Errorf("listing.Find: decode: %w", err)
		}
		page.Items = append(page.Items, item)
		last = values
	}
	if err := cur.Err(); err != nil {
		return Page[T]{}, fmt.Errorf("listing.Find: %w", err)
	}
	if more {
		token, err := encodeCursor(codec, query, last)
		if err != nil {
			return Page[T]{}, err
		}
		page.NextPageToken = token
	}
	return page, nil
}

// and combines conditions.
func and(conditions []bson.D) bson.D {
	switch len(conditions) {
	case 0:
		return bson.D{}
	case 1:
		return conditions[0]
	default:
		arr := make(bson.A, len(conditions))
		for i, c := range conditions {
			arr[i] = c
		}
		return bson.D{{Key: "$and", Value: arr}}
	}
}

// sortKeys parses the order_by (or the spec's default) and appends the _id
// tie-breaker, which makes the order total.
func sortKeys(spec Spec, orderBy string) ([]sortKey, error) {
	var keys []sortKey
	if strings.TrimSpace(orderBy) != "" {
		var err error
		if keys, err = parseOrderBy(orderBy, spec.OrderBy); err != nil {
			return nil, err
		}
	} else if strings.TrimSpace(spec.DefaultOrder) != "" {
		var err error
		if keys, err = parseOrderBy(spec.DefaultOrder, spec.OrderBy); err != nil {
			return nil, errs.Internal(fmt.Errorf("listing.Find: Spec.DefaultOrder %q: %w", spec.DefaultOrder, err))
		}
	}
	// Fields after _id cannot change the order; _id ends every sort.
	if i := slices.IndexFunc(keys, func(k sortKey) bool { return k.path == idPath }); i >= 0 {
		return keys[:i+1], nil
	}
	return append(keys, sortKey{path: idPath}), nil
}

// parseOrderBy parses AIP-132 order_by: comma-separated fields, each
// optionally followed by asc or desc.
func parseOrderBy(orderBy string, allowed map[string]string) ([]sortKey, error) {
	names := make([]string, 0, len(allowed))
	for name := range allowed {
		names = append(names, name)
	}
	slices.Sort(names)
	fields := strings.Join(names, ", ")
	if len(names) == 0 {
		fields = "(none: this list has a fixed order)"
	}
	invalid := func(format string, args ...any) error {
		desc := fmt.Sprintf(format, args...) + "; order_by fields: " + fields
		return errs.InvalidArgument(ReasonInvalidOrderBy, "invalid order_by: "+desc,
			errs.FieldViolation{Field: "order_by", Description: desc})
	}

	var keys []sortKey
	seen := map[string]bool{}
	for i, item := range strings.Split(orderBy, ",") {
		words := strings.Fields(item)
		if len(words) == 0 {
			return nil, invalid("item %d is empty; write fields separated by commas, e.g. %q", i+1, example(names))
		}
		name := words[0]
		path, ok := allowed[name]
		if !ok {
			if echoable(name) {
				return nil, invalid("unknown field %q", name)
			}
			return nil, invalid("item %d names an unknown field", i+1)
		}
		if seen[name] {
			return nil, invalid("field %q appears more than once", name)
		}
		seen[name] = true
		key := sortKey{path: path}
		switch {
		case len(words) == 1:
		case len(words) == 2 && strings.EqualFold(words[1], "asc"):
		case len(words) == 2 && strings.EqualFold(words[1], "desc"):
			key.desc = true
		default:
			return nil, invalid("field %q may only be followed by asc or desc, then a comma", name)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// echoable reports whether an unknown name may be quoted in an error: one
// that looks like a field name, not like text a caller typed.
func echoable(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func example(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0] + " desc"
	default:
		return names[0] + " desc, " + names[1]
	}
}

// queryKey is what page tokens are bound to: the collection, the parent, the
// scope, the parsed filter and the sort. Parts are length-prefixed so no two
// different queries share a key.
func queryKey(coll *mongo.Collection, req Request, filter bson.D, keys []sortKey) (string, error) {
	scope := req.Scope
	if len(scope) == 0 {
		scope = bson.D{}
	}
	scopeBytes, err := bson.Marshal(bson.D{{Key: "s", Value: scope}})
	if err != nil {
		return "", errs.Internal(fmt.Errorf("listing.Find: scope: %w", err))
	}
	filterBytes, err := bson.Marshal(bson.D{{Key: "f", Value: filter}})
	if err != nil {
		return "", errs.Internal(fmt.Errorf("listing.Find: filter: %w", err))
	}
	var order strings.Builder
	for _, k := range keys {
		order.WriteString(k.path)
		if k.desc {
			order.WriteString(" desc,")
		} else {
			order.WriteString(" asc,")
		}
	}
	var b strings.Builder
	for _, part := range []string{
		"listing/v1", coll.Database().Name() + "." + coll.Name(), req.QueryKey,
		string(scopeBytes), string(filterBytes), order.String(),
	} {
		fmt.Fprintf(&b, "%d:%s;", len(part), part)
	}
	return b.String(), nil
}

// sortValues returns copies of the sort values of doc, checking that each is
// present, not null and not an array.
func sortValues(keys []sortKey, doc bson.Raw) ([]bson.RawValue, error) {
	values := make([]bson.RawValue, len(keys))
	for i, k := range keys {
		v, err := doc.LookupErr(strings.Split(k.path, ".")...)
		if err != nil || v.Type == bson.TypeNull || v.Type == bson.TypeUndefined || v.Type == bson.TypeArray {
			// The document is not named: its _id could be survivor data.
			return nil, errs.Internal(fmt.Errorf(
				"listing.Find: order field %q is missing, null or an array in a stored document; "+
					"order_by fields must always hold a single value", k.path))
		}
		values[i] = bson.RawValue{Type: v.Type, Value: bytes.Clone(v.Value)}
	}
	return values, nil
}

// cursorKey is the field of the cursor document holding the sort values.
const cursorKey = "v"

// encodeCursor builds the next page token from the last item's sort values.
func encodeCursor(codec *pagination.Codec, query string, values []bson.RawValue) (string, error) {
	arr := make(bson.A, len(values))
	for i, v := range values {
		arr[i] = v
	}
	raw, err := bson.Marshal(bson.D{{Key: cursorKey, Value: arr}})
	if err != nil {
		return "", errs.Internal(fmt.Errorf("listing.Find: cursor: %w", err))
	}
	token, err := codec.Encode(query, raw)
	if err != nil {
		return "", errs.Internal(fmt.Errorf("listing.Find: %w", err))
	}
	return token, nil
}

// keysetCondition selects the documents after the cursor in the sort order:
// k1 after v1, or k1 = v1 and k2 after v2, and so on.
func keysetCondition(keys []sortKey, cursor bson.Raw) (bson.D, error) {
	// Only a token from an older release of this code can get here: the MAC
	// binds the cursor to this sort. The caller restarts the listing.
	bad := pagination.InvalidToken()
	arr, ok := cursor.Lookup(cursorKey).ArrayOK()
	if !ok {
		return nil, bad
	}
	values, err := arr.Values()
	if err != nil || len(values) != len(keys) {
		return nil, bad
	}
	alternatives := make(bson.A, len(keys))
	for i, k := range keys {
		clause := make(bson.D, 0, i+1)
		for j := range i {
			clause = append(clause, bson.E{Key: keys[j].path, Value: bson.D{{Key: "$eq", Value: values[j]}}})
		}
		op := "$gt"
		if k.desc {
			op = "$lt"
		}
		clause = append(clause, bson.E{Key: k.path, Value: bson.D{{Key: op, Value: values[i]}}})
		alternatives[i] = clause
	}
	if len(alternatives) == 1 {
		return alternatives[0].(bson.D), nil
	}
	return bson.D{{Key: "$or", Value: alternatives}}, nil
}
