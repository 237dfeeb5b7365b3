// Package config loads a binary's configuration from environment variables
// and validates it before anything starts.
//
// A binary's configuration is one struct composed of the platform's
// sub-configs (grpcserver.Config, logging.Config, office.Config, ...), each
// field tagged for github.com/sethvargo/go-envconfig:
//
//	type Config struct {
//		GRPC    grpcserver.Config
//		Logging logging.Config
//		Offices office.Config
//	}
//
// Load fills it from the environment (or, in tests, from an
// envconfig.MapLookuper) and then calls every Validate() error method it
// finds, on the struct itself and on its nested structs. Every error names
// the environment variable and says what is allowed, e.g.
//
//	config: GRPC_ADDR="abc": must be host:port, e.g. 127.0.0.1:9001
//
// Validate methods should return *VarError (or several, joined with
// errors.Join), so that Load can report the variable's full name when the
// struct is loaded under an envconfig prefix.
package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/sethvargo/go-envconfig"
)

// VarError reports an environment variable whose value is not allowed.
type VarError struct {
	// Var is the variable's name, e.g. "GRPC_ADDR". Validate methods give the
	// name in their struct's env tag; Load rewrites it to the full name when
	// the struct was loaded under a prefix.
	Var string
	// Value is the value that was received ("" when unset).
	Value string
	// Problem says what is allowed, e.g. "must be host:port, e.g. 127.0.0.1:9001".
	Problem string
}

// Error implements error: `NAME="value": problem`.
func (e *VarError) Error() string {
	return fmt.Sprintf("%s=%q: %s", e.Var, e.Value, e.Problem)
}

// Invalid returns a *VarError for variable name with the given value and a
// problem that says what is allowed.
func Invalid(name, value, problem string) *VarError {
	return &VarError{Var: name, Value: value, Problem: problem}
}

// Error is what Load returns for a configuration that cannot be used. It
// lists every problem found, one per line, each starting with "config: ".
type Error struct {
	// Problems are the individual errors, typically *VarError.
	Problems []error
}

// Error implements error.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "config: " + p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual problems, for errors.Is and errors.As.
func (e *Error) Unwrap() []error { return e.Problems }

// Load fills spec, a pointer to a struct with env tags, from lookuper (nil
// means the process environment) and then validates it: every Validate()
// error method on spec and on its nested structs (also through pointers) is
// called, nested structs before the struct containing them, and all the
// problems are reported together.
//
// A value that cannot be parsed (e.g. GRPC_SHUTDOWN_TIMEOUT=abc) and a
// required variable that is unset are reported by name, like validation
// failures, and stop the load before any Validate runs. A spec that is not a
// pointer to a struct, or whose tags are malformed, is a programming error,
// reported as "config.Load: ...".
//
// A Validate method checks its own struct's fields only: Load already calls
// the nested structs' Validate methods, so calling them again from a parent
// would report their problems twice.
func Load(ctx context.Context, spec any, lookuper envconfig.Lookuper) error {
	if lookuper == nil {
		lookuper = envconfig.OsLookuper()
	}
	rec := &recordingLookuper{l: lookuper}
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: spec, Lookuper: rec}); err != nil {
		return describeProcessError(err, rec)
	}

	var problems []error
	validate(reflect.ValueOf(spec), "", rec, make(map[uintptr]bool), &problems)
	if len(problems) > 0 {
		return &Error{Problems: problems}
	}
	return nil
}

// MustLoad loads spec from the process environment for main(). On error it
// prints the message to stderr and exits with status 2, the conventional
// status for a usage or configuration error.
func MustLoad(ctx context.Context, spec any) {
	if err := Load(ctx, spec, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

// WithDefaults returns a lookuper that asks l (nil means the process
// environment) first and falls back to defaults. It is how a binary gives a
// shared sub-config its own default, for example its port:
//
//	config.Load(ctx, &cfg, config.WithDefaults(nil, map[string]string{
//		"GRPC_ADDR": "127.0.0.1:9001",
//	}))
//
// A variable that is set, even to "", wins over its default.
func WithDefaults(l envconfig.Lookuper, defaults map[string]string) envconfig.Lookuper {
	if l == nil {
		l = envconfig.OsLookuper()
	}
	return &defaultsLookuper{l: l, defaults: defaults}
}

type defaultsLookuper struct {
	l        envconfig.Lookuper
	defaults map[string]string
}

func (d *defaultsLookuper) Lookup(key string) (string, bool) {
	if v, ok := d.l.Lookup(key); ok {
		return v, true
	}
	v, ok := d.defaults[key]
	return v, ok
}

// Key resolves key through the wrapped lookuper, like envconfig's own
// prefix lookuper does, so errors name the variable really read.
func (d *defaultsLookuper) Key(key string) string { return resolveKey(d.l, key) }

// keyer is implemented by lookupers that rename keys (envconfig's prefix
// lookuper): Key returns the name of the variable actually read.
type keyer interface {
	Key(key string) string
}

func resolveKey(l envconfig.Lookuper, key string) string {
	if k, ok := l.(keyer); ok {
		return k.Key(key)
	}
	return key
}

// recordingLookuper remembers the last variable looked up. envconfig looks a
// field's variable up immediately before parsing its value, so when parsing
// fails the last lookup names the variable at fault; envconfig's own error
// names only the Go field.
type recordingLookuper struct {
	l envconfig.Lookuper

	key   string
	value string
	found bool
}

func (r *recordingLookuper) Lookup(key string) (string, bool) {
	v, ok := r.l.Lookup(key)
	r.key, r.value, r.found = resolveKey(r.l, key), v, ok
	return v, ok
}

func (r *recordingLookuper) Key(key string) string { return resolveKey(r.l, key) }

// Unwrap lets envconfig expand ${VAR} references in default values without
// going through the recorder, so such lookups never hide the variable being
// parsed.
func (r *recordingLookuper) Unwrap() envconfig.Lookuper { return r.l }

// programmingErrors are envconfig's errors about the spec itself rather than
// about the environment.
var programmingErrors = []error{
	envconfig.ErrInvalidEnvvarName,
	envconfig.ErrLookuperNil,
	envconfig.ErrMissingKey,
	envconfig.ErrNoInitNotPtr,
	envconfig.ErrNotPtr,
	envconfig.ErrNotStruct,
	envconfig.ErrPrefixNotStruct,
	envconfig.ErrPrivateField,
	envconfig.ErrRecursivePointer,
	envconfig.ErrRecursiveStruct,
	envconfig.ErrRequiredAndDefault,
	envconfig.ErrUnknownOption,
}

func describeProcessError(err error, rec *recordingLookuper) error {
	for _, p := range programmingErrors {
		if errors.Is(err, p) {
			return fmt.Errorf("config.Load: %w", err)
		}
	}
	key, value, found := rec.key, rec.value, rec.found
	if errors.Is(err, envconfig.ErrMissingRequired) {
		return &Error{Problems: []error{&VarError{Var: key, Problem: "is required but not set"}}}
	}
	problem := describeParseError(err)
	if !found {
		// The value came from the field's default tag: a bug in the program,
		// but naming the variable still tells the operator how to get going.
		return &Error{Problems: []error{fmt.Errorf("%s is unset and the program's default for it is invalid (%s); set %s explicitly", key, problem, key)}}
	}
	return &Error{Problems: []error{&VarError{Var: key, Value: value, Problem: problem}}}
}

// describeParseError turns a parse failure into what is allowed.
func describeParseError(err error) string {
	var numErr *strconv.NumError
	if errors.As(err, &numErr) {
		if errors.Is(numErr.Err, strconv.ErrRange) {
			return "is out of range"
		}
		switch numErr.Func {
		case "ParseBool":
			return "must be true or false"
		case "ParseInt":
			return "must be an integer"
		case "ParseUint":
			return "must be a non-negative integer"
		case "ParseFloat":
			return "must be a number"
		}
	}
	msg := err.Error()
	if strings.Contains(msg, "time: ") && strings.Contains(msg, "duration") {
		return "must be a duration with a unit, e.g. 500ms, 15s or 2m"
	}
	// Strip envconfig's "Field: Nested: " path, which means nothing to an
	// operator, keeping the innermost cause.
	for {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	return "invalid value: " + err.Error()
}

// validate walks v depth first and calls every Validate method it finds.
// prefix is the envconfig prefix accumulated from `env:",prefix=..."` tags on
// the way down; visited guards against pointer cycles.
func validate(v reflect.Value, prefix string, rec *recordingLookuper, visited map[uintptr]bool, problems *[]error) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			if visited[v.Pointer()] {
				return
			}
			visited[v.Pointer()] = true
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}

	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		validate(v.Field(i), prefix+tagPrefix(f.Tag.Get("env")), rec, visited, problems)
	}

	var target any
	if v.CanAddr() {
		target = v.Addr().Interface()
	} else {
		target = v.Interface()
	}
	validator, ok := target.(interface{ Validate() error })
	if !ok {
		return
	}
	err := validator.Validate()
	if err == nil {
		return
	}
	renameVars(err, func(name string) string { return rec.Key(prefix + name) })
	// One line per problem: errors.Join(a, b) from a Validate becomes two.
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		*problems = append(*problems, multi.Unwrap()...)
		return
	}
	*problems = append(*problems, err)
}

// tagPrefix returns the prefix option of an env tag such as ",prefix=GRPC_".
func tagPrefix(tag string) string {
	_, opts, _ := strings.Cut(tag, ",")
	for _, o := range strings.Split(opts, ",") {
		o = strings.TrimLeft(o, " ")
		if len(o) >= len("prefix=") && strings.EqualFold(o[:len("prefix=")], "prefix=") {
			return o[len("prefix="):]
		}
	}
	return ""
}

// renameVars rewrites the Var of every *VarError in err's tree.
func renameVars(err error, rename func(string) string) {
	switch e := err.(type) {
	case *VarError:
		e.Var = rename(e.Var)
		return
	case interface{ Unwrap() []error }:
		for _, u := range e.Unwrap() {
			renameVars(u, rename)
		}
		return
	}
	if u := errors.Unwrap(err); u != nil {
		renameVars(u, rename)
	}
}
