// Package filtering turns AIP-160 filter strings into MongoDB filters,
// accepting only the fields a service declares in a Schema.
//
// The grammar is the AIP-160 subset every list method needs:
//
//	filter      = [expression]
//	expression  = sequence {"AND" sequence}
//	sequence    = factor {factor}            (juxtaposition means AND)
//	factor      = term {"OR" term}           (OR binds tighter than AND)
//	term        = ["NOT" | "-"] simple
//	simple      = restriction | "(" expression ")"
//	restriction = field comparator value
//	comparator  = "=" | "!=" | "<" | "<=" | ">" | ">="
//	value       = "quoted string" | 'quoted string' | number | word
//
// As AIP-160 says, OR binds tighter than AND: `a = 1 AND b = 2 OR c = 3`
// means `a = 1 AND (b = 2 OR c = 3)`. Keywords are upper case. Timestamps
// are RFC 3339 strings in quotes.
//
// Security: the output never contains anything the caller wrote except
// typed, validated values under operators this package chooses. Fields not
// in the schema, MongoDB operators ($where, {"$gt": 1}) and values of the
// wrong type are rejected with INVALID_ARGUMENT reason INVALID_FILTER and a
// violation on "filter" that names the field and what is allowed. Error
// descriptions quote field names and operators, never values, so a survivor's
// name typed into a filter is not echoed into errors.
package filtering

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/errs"
)

// Type is the type of a filterable field; it decides which values and
// operators a filter may use with it.
type Type int

// The field types.
const (
	// String fields take quoted strings (or bare words) and every comparator.
	String Type = iota
	// Enum fields take one of Field.Enum, bare or quoted, with = and != only.
	Enum
	// Bool fields take true or false with = and != only.
	Bool
	// Timestamp fields take RFC 3339 strings in quotes and every comparator.
	Timestamp
	// Int fields take whole numbers and every comparator.
	Int
)

// String returns the name of the type.
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Enum:
		return "enum"
	case Bool:
		return "bool"
	case Timestamp:
		return "timestamp"
	case Int:
		return "int"
	default:
		return fmt.Sprintf("Type(%d)", int(t))
	}
}

// Field is one filterable field.
type Field struct {
	// Name is the field's name in filters, e.g. "status" or "rescue.date".
	Name string
	// Path is the document path in MongoDB, e.g. "status". Unused when
	// Translate is set.
	Path string
	// Type decides the accepted values and operators.
	Type Type
	// Enum lists the stored values an Enum field may take, e.g. "CONFIRMED".
	Enum []string
	// EnumPrefix, when set, may precede an enum value in filters, so both
	// CONFIRMED and LOCATION_STATUS_CONFIRMED mean "CONFIRMED".
	EnumPrefix string
	// Translate, when set, builds the MongoDB condition instead of
	// {Path: {$op: value}}, for computed fields. It receives the comparator
	// as written ("=", "!=", "<", "<=", ">", ">=") and the value already
	// checked against Type: a string (String; for Enum the stored value
	// without prefix), a bool, a time.Time in UTC or an int64. An error it
	// returns is shown to the caller: an *errs.Error is returned as is, any
	// other error becomes an INVALID_FILTER violation prefixed with the field.
	Translate func(op string, value any) (bson.D, error)
}

// Schema is the allowlist of fields a list method may filter on.
type Schema struct {
	Fields []Field
}

// Limits on filters, so a caller cannot make the service or the store do
// unbounded work.
const (
	// MaxLength is the longest accepted filter, in bytes.
	MaxLength = 2048
	// MaxDepth bounds nesting of parentheses and negations.
	MaxDepth = 16
	// MaxConditions bounds the number of comparisons in one filter.
	MaxConditions = 64
)

// ReasonInvalidFilter is the ErrorInfo reason of every rejected filter.
const ReasonInvalidFilter = "INVALID_FILTER"

var (
	fieldNameRe = regexp.MustCompile(`^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$`)
	// echoableRe matches the unknown names an error may quote: ones that
	// look like field names, not like a person's name typed as a search.
	echoableRe = regexp.MustCompile(`^[a-z_$][a-z0-9_.$]{0,63}$`)
)

// Validate reports mistakes in the schema itself: names that are not
// snake_case identifiers or repeat, missing paths, paths that start with $,
// enums without values, unknown types. Parse calls it and reports a
// mistake as an internal error; services may call it in a test.
func (s Schema) Validate() error {
	seen := map[string]bool{}
	var problems []error
	for i, f := range s.Fields {
		if !fieldNameRe.MatchString(f.Name) || isKeyword(strings.ToUpper(f.Name)) {
			problems = append(problems, fmt.Errorf("field %d: name %q is not a snake_case identifier other than and, or, not", i, f.Name))
		}
		if seen[f.Name] {
			problems = append(problems, fmt.Errorf("field %q is declared twice", f.Name))
		}
		seen[f.Name] = true
		if f.Translate == nil {
			if f.Path == "" || strings.HasPrefix(f.Path, "$") || slices.Contains(strings.Split(f.Path, "."), "") {
				problems = append(problems, fmt.Errorf("field %q: path %q must be a document path not starting with $", f.Name, f.Path))
			}
		}
		switch f.Type {
		case String, Bool, Timestamp, Int:
		case Enum:
			if len(f.Enum) == 0 || slices.Contains(f.Enum, "") {
				problems = append(problems, fmt.Errorf("field %q: an enum needs non-empty values", f.Name))
			}
		default:
			problems = append(problems, fmt.Errorf("field %q: unknown type %v", f.Name, f.Type))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("filtering.Schema: %w", err)
	}
	return nil
}

// Parse translates an AIP-160 filter into a MongoDB filter. An empty (or
// all-space) filter gives an empty document, which matches everything.
// Conditions become {path: {$op: value}} with an explicit operator, so a
// value such as "$where" or "{\"$gt\": 1}" is only ever a literal.
func (s Schema) Parse(filter string) (bson.D, error) {
	if err := s.Validate(); err != nil {
		return nil, errs.Internal(err)
	}
	if len(filter) > MaxLength {
		return nil, s.invalid("filter is %d bytes long; at most %d are allowed", len(filter), MaxLength)
	}
	if !utf8.ValidString(filter) {
		return nil, s.invalid("filter is not valid UTF-8")
	}
	p := &parser{schema: s, lex: lexer{src: filter}, src: filter}
	tok, err := p.peek()
	if err != nil {
		return nil, err
	}
	if tok.kind == tokEOF {
		return bson.D{}, nil
	}
	n, err := p.expression()
	if err != nil {
		return nil, err
	}
	tok, err = p.peek()
	if err != nil {
		return nil, err
	}
	if tok.kind != tokEOF {
		if tok.kind == tokRParen {
			return nil, p.syntax(tok.off, `")" without a matching "("`)
		}
		return nil, p.syntax(tok.off, "unexpected %s", describe(tok))
	}
	return n.bson(), nil
}

// invalid returns the INVALID_FILTER error with the description built from format.
func (s Schema) invalid(format string, args ...any) error {
	desc := fmt.Sprintf(format, args...)
	return errs.InvalidArgument(ReasonInvalidFilter, "invalid filter: "+desc,
		errs.FieldViolation{Field: "filter", Description: desc})
}

// fieldNames returns the filterable field names, sorted, for error messages.
func (s Schema) fieldNames() string {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "(none: this list cannot be filtered)"
	}
	return strings.Join(names, ", ")
}

func (s Schema) field(name string) (*Field, bool) {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i], true
		}
	}
	return nil, false
}

// allowed describes the values a field takes, for error messages.
func (f *Field) allowed() string {
	switch f.Type {
	case Enum:
		s := "one of: " + strings.Join(f.Enum, ", ")
		if f.EnumPrefix != "" {
			s += " (the prefix " + f.EnumPrefix + " may be written too)"
		}
		return s
	case Bool:
		return "true or false"
	case Timestamp:
		return fmt.Sprintf(`an RFC 3339 timestamp in quotes, e.g. %s > "2024-01-31T18:30:00Z"`, f.Name)
	case Int:
		return fmt.Sprintf("a whole number, e.g. %s >= 18", f.Name)
	default:
		return fmt.Sprintf(`a string in quotes, e.g. %s = "text"`, f.Name)
	}
}

// operators lists the comparators a field accepts.
func (f *Field) operators() []string {
	if f.Type == Enum || f.Type == Bool {
		return []string{"=", "!="}
	}
	return []string{"=", "!=", "<", "<=", ">", ">="}
}

// mongoOps maps comparators to MongoDB operators.
var mongoOps = map[string]string{
	"=": "$eq", "!=": "$ne", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte",
}

// node is the parsed filter before it becomes BSON.
type node struct {
	op       string // "and", "or", "not", or "" for a condition
	children []*node
	cond     bson.D
}

// bson renders the node, flattening nested ANDs and ORs.
func (n *node) bson() bson.D {
	switch n.op {
	case "":
		return n.cond
	case "not":
		return bson.D{{Key: "$nor", Value: bson.A{n.children[0].bson()}}}
	default:
		var items bson.A
		for _, c := range n.children {
			if c.op == n.op {
				for _, d := range c.bson()[0].Value.(bson.A) {
					items = append(items, d)
				}
				continue
			}
			items = append(items, c.bson())
		}
		return bson.D{{Key: "$" + n.op, Value: items}}
	}
}

func combine(op string, children []*node) *node {
	if len(children) == 1 {
		return children[0]
	}
	return &node{op: op, children: children}
}

// describe names a token for an error message without quoting values.
func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of filter"
	case tokWord:
		if isKeyword(t.text) || echoableRe.MatchString(t.text) {
			return fmt.Sprintf("%q", t.text)
		}
		return "a word"
	case tokString:
		return "a quoted string"
	case tokNumber:
		return "a number"
	default:
		return fmt.Sprintf("%q", t.text)
	}
}

// describeValue names a token in value position, never quoting it: there a
// word is a value the caller typed.
func describeValue(t token) string {
	if t.kind == tokWord {
		return "a word"
	}
	return describe(t)
}

func isKeyword(s string) bool { return s == "AND" || s == "OR" || s == "NOT" }

// parser is a recursive-descent parser over the lazily lexed filter.
type parser struct {
	schema     Schema
	lex        lexer
	src        string
	peeked     *token
	depth      int
	conditions int
}

// pos converts a byte offset into a 1-based character position.
func (p *parser) pos(off int) int { return utf8.RuneCountInString(p.src[:off]) + 1 }

// syntax returns a syntax error at a byte offset.
func (p *parser) syntax(off int, format string, args ...any) error {
	return p.schema.invalid("syntax error at position %d: %s; filterable fields: %s",
		p.pos(off), fmt.Sprintf(format, args...), p.schema.fieldNames())
}

// lexErr converts a lexical error outside a value.
func (p *parser) lexErr(e *lexError) error {
	if e.bad != 0 {
		return p.syntax(e.off, "unexpected character %q; filters use fields, the operators = != < <= > >= "+
			"AND OR NOT and parentheses", e.bad)
	}
	return p.syntax(e.off, "%s", e.msg)
}

func (p *parser) peek() (token, error) {
	if p.peeked == nil {
		t, e := p.lex.next()
		if e != nil {
			return token{}, p.lexErr(e)
		}
		p.peeked = &t
	}
	return *p.peeked, nil
}

func (p *parser) take() (token, error) {
	t, err := p.peek()
	p.peeked = nil
	return t, err
}

func (p *parser) enter(off int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.schema.invalid("filter nests parentheses and negations deeper than %d levels (at position %d)",
			MaxDepth, p.pos(off))
	}
	return nil
}

// expression = sequence {AND sequence}
func (p *parser) expression() (*node, error) {
	var parts []*node
	for {
		n, err := p.sequence()
		if err != nil {
			return nil, err
		}
		parts = append(parts, n)
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != tokWord || t.text != "AND" {
			return combine("and", parts), nil
		}
		_, _ = p.take()
	}
}

// startsTerm reports whether t can begin a term, which continues a sequence.
func startsTerm(t token) bool {
	switch t.kind {
	case tokLParen, tokMinus:
		return true
	case tokWord:
		return t.text != "AND" && t.text != "OR"
	default:
		return false
	}
}

// sequence = factor {factor}
func (p *parser) sequence() (*node, error) {
	var parts []*node
	for {
		n, err := p.factor()
		if err != nil {
			return nil, err
		}
		parts = append(parts, n)
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if !startsTerm(t) {
			return combine("and", parts), nil
		}
	}
}

// factor = term {OR term}
func (p *parser) factor() (*node, error) {
	var parts []*node
	for {
		n, err := p.term()
		if err != nil {
			return nil, err
		}
		parts = append(parts, n)
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != tokWord || t.text != "OR" {
			return combine("or", parts), nil
		}
		_, _ = p.take()
	}
}

// term = [NOT | -] simple
func (p *parser) term() (*node, error) {
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind == tokMinus || (t.kind == tokWord && t.text == "NOT") {
		_, _ = p.take()
		if err := p.enter(t.off); err != nil {
			return nil, err
		}
		inner, err := p.term()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &node{op: "not", children: []*node{inner}}, nil
	}
	return p.simple()
}

// simple = restriction | "(" expression ")"
func (p *parser) simple() (*node, error) {
	t, err := p.take()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tokLParen:
		if err := p.enter(t.off); err != nil {
			return nil, err
		}
		next, err := p.peek()
		if err != nil {
			return nil, err
		}
		if next.kind == tokRParen {
			return nil, p.syntax(next.off, "empty parentheses")
		}
		n, err := p.expression()
		if err != nil {
			return nil, err
		}
		closing, err := p.take()
		if err != nil {
			return nil, err
		}
		if closing.kind != tokRParen {
			return nil, p.syntax(closing.off, `expected ")" to close the "(" at position %d, found %s`,
				p.pos(t.off), describe(closing))
		}
		p.depth--
		return n, nil
	case tokWord:
		if isKeyword(t.text) {
			return nil, p.syntax(t.off, "expected a condition before %s", t.text)
		}
		return p.restriction(t)
	default:
		return nil, p.syntax(t.off, "expected a condition such as field = value, found %s", describe(t))
	}
}

// restriction = field comparator value; name is the field token.
func (p *parser) restriction(name token) (*node, error) {
	if up := strings.ToUpper(name.text); up != name.text && isKeyword(up) {
		return nil, p.syntax(name.off, "write %s in capitals", up)
	}
	f, ok := p.schema.field(name.text)
	if !ok {
		if echoableRe.MatchString(name.text) {
			return nil, p.schema.invalid("unknown field %q; filterable fields: %s", name.text, p.schema.fieldNames())
		}
		return nil, p.schema.invalid("unknown field at position %d; filterable fields: %s",
			p.pos(name.off), p.schema.fieldNames())
	}
	op, err := p.take()
	if err != nil {
		return nil, err
	}
	switch op.kind {
	case tokCompare:
	case tokHas:
		return nil, p.schema.invalid(`field %q: the operator ":" (has) is not supported; use one of %s`,
			f.Name, strings.Join(f.operators(), " "))
	default:
		return nil, p.schema.invalid("field %q at position %d needs a comparison, e.g. %s; it takes %s",
			f.Name, p.pos(name.off), example(f), f.allowed())
	}
	if !slices.Contains(f.operators(), op.text) {
		return nil, p.schema.invalid("field %q supports only %s; found %q at position %d",
			f.Name, strings.Join(f.operators(), " and "), op.text, p.pos(op.off))
	}
	value, err := p.value(f, op)
	if err != nil {
		return nil, err
	}
	p.conditions++
	if p.conditions > MaxConditions {
		return nil, p.schema.invalid("filter has more than %d conditions", MaxConditions)
	}
	if f.Translate != nil {
		cond, err := f.Translate(op.text, value)
		if err != nil {
			if e, ok := errs.As(err); ok {
				return nil, e
			}
			return nil, p.schema.invalid("field %q: %s", f.Name, err.Error())
		}
		if cond == nil {
			cond = bson.D{}
		}
		return &node{cond: cond}, nil
	}
	return &node{cond: bson.D{{Key: f.Path, Value: bson.D{{Key: mongoOps[op.text], Value: value}}}}}, nil
}

// example is a condition on f that would be accepted.
func example(f *Field) string {
	switch f.Type {
	case Enum:
		return f.Name + " = " + f.Enum[0]
	case Bool:
		return f.Name + " = true"
	case Timestamp:
		return f.Name + ` > "2024-01-31T18:30:00Z"`
	case Int:
		return f.Name + " >= 18"
	default:
		return f.Name + ` = "text"`
	}
}

// value parses and type-checks the value of a condition on f.
func (p *parser) value(f *Field, op token) (any, error) {
	// The lexer is called directly (restriction took the operator, so
	// nothing is peeked) to explain a bad character as a bad value.
	t, lexErr := p.lex.next()
	if lexErr != nil {
		if lexErr.bad != 0 {
			return nil, p.schema.invalid("field %q: the value at position %d must be a literal (a quoted string, "+
				"a number, true or false, or an enum name), not an object or operator; the field takes %s",
				f.Name, p.pos(lexErr.off), f.allowed())
		}
		return nil, p.schema.invalid("field %q: the value at position %d is malformed: %s; the field takes %s",
			f.Name, p.pos(lexErr.off), lexErr.msg, f.allowed())
	}
	wrong := func(got string) error {
		return p.schema.invalid("field %q takes %s; found %s at position %d", f.Name, f.allowed(), got, p.pos(t.off))
	}
	negative := false
	if t.kind == tokMinus {
		next, lexErr := p.lex.next()
		if lexErr != nil || next.kind != tokNumber {
			return nil, wrong(`"-"`)
		}
		negative, t = true, next
	}
	switch t.kind {
	case tokEOF:
		return nil, p.schema.invalid("field %q: expected a value after %q; the field takes %s", f.Name, f.Name+" "+op.text, f.allowed())
	case tokLParen:
		return nil, p.schema.invalid("field %q takes a single value, not a parenthesised list (position %d); "+
			"combine conditions with OR, e.g. %s OR %s", f.Name, p.pos(t.off), example(f), example(f))
	case tokString, tokNumber, tokWord:
	default:
		return nil, wrong(describeValue(t))
	}

	switch f.Type {
	case String:
		switch t.kind {
		case tokString:
			return t.value, nil
		case tokWord:
			return t.text, nil
		}
		return nil, wrong(describeValue(t))
	case Enum:
		v := t.text
		if t.kind == tokString {
			v = t.value
		} else if t.kind != tokWord {
			return nil, wrong(describeValue(t))
		}
		if f.EnumPrefix != "" {
			v = strings.TrimPrefix(v, f.EnumPrefix)
		}
		if !slices.Contains(f.Enum, v) {
			return nil, p.schema.invalid("field %q takes %s; the value at position %d is not one of them",
				f.Name, f.allowed(), p.pos(t.off))
		}
		return v, nil
	case Bool:
		if t.kind == tokWord && (t.text == "true" || t.text == "false") {
			return t.text == "true", nil
		}
		return nil, wrong(describeValue(t))
	case Timestamp:
		if t.kind != tokString {
			return nil, wrong(describeValue(t))
		}
		ts, err := time.Parse(time.RFC3339Nano, t.value)
		if err != nil {
			return nil, p.schema.invalid("field %q takes %s; the string at position %d is not an RFC 3339 timestamp",
				f.Name, f.allowed(), p.pos(t.off))
		}
		return ts.UTC(), nil
	case Int:
		if t.kind != tokNumber {
			return nil, wrong(describeValue(t))
		}
		n, ok := parseInt(t.text, negative)
		if !ok {
			return nil, p.schema.invalid("field %q takes %s; the number at position %d is not a whole number "+
				"between -9223372036854775808 and 9223372036854775807", f.Name, f.allowed(), p.pos(t.off))
		}
		return n, nil
	}
	return nil, wrong(describeValue(t))
}

// parseInt parses a run of decimal digits as an int64, negated if negative.
func parseInt(digits string, negative bool) (int64, bool) {
	if digits == "" || strings.ContainsAny(digits, ".eE") {
		return 0, false
	}
	var n uint64
	for _, c := range digits {
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if negative {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true // -(1<<63) wraps to itself, which is MinInt64
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}
