package mongostore

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names the tracer of the monitor.
const instrumentationName = "github.com/justiceops/justice/services/platform/mongostore"

// NewMonitor returns a command monitor that records one OpenTelemetry client
// span per command on the global tracer provider. See NewMonitorWithProvider.
func NewMonitor() *event.CommandMonitor {
	return NewMonitorWithProvider(otel.GetTracerProvider())
}

// NewMonitorWithProvider returns a command monitor that records one client
// span per command on tp, named "<command> <collection>" (or "<command>" for
// database commands), with the attributes db.system=mongodb,
// db.operation.name, db.collection.name and db.namespace (the database). A
// failed command, or a write whose reply carries write errors, gets an error
// status naming only the server's error code. The command and reply bodies
// are never recorded: they hold survivors' data.
func NewMonitorWithProvider(tp trace.TracerProvider) *event.CommandMonitor {
	m := &monitor{tracer: tp.Tracer(instrumentationName)}
	return &event.CommandMonitor{
		Started:   m.started,
		Succeeded: m.succeeded,
		Failed:    m.failed,
	}
}

type monitor struct {
	tracer trace.Tracer
	spans  sync.Map // spanKey -> trace.Span
}

// spanKey identifies a command in flight: request ids are unique per connection.
type spanKey struct {
	conn string
	id   int64
}

func (m *monitor) started(ctx context.Context, e *event.CommandStartedEvent) {
	coll := collectionName(e.CommandName, e.Command)
	name := e.CommandName
	attrs := []attribute.KeyValue{
		attribute.String("db.system", "mongodb"),
		attribute.String("db.operation.name", e.CommandName),
		attribute.String("db.namespace", e.DatabaseName),
	}
	if coll != "" {
		name += " " + coll
		attrs = append(attrs, attribute.String("db.collection.name", coll))
	}
	_, span := m.tracer.Start(ctx, name,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	m.spans.Store(spanKey{e.ConnectionID, e.RequestID}, span)
}

func (m *monitor) succeeded(_ context.Context, e *event.CommandSucceededEvent) {
	span, ok := m.take(e.ConnectionID, e.RequestID)
	if !ok {
		return
	}
	if code, failed := writeFailure(e.Reply); failed {
		span.SetAttributes(attribute.String("db.response.status_code", strconv.Itoa(int(code))))
		span.SetStatus(codes.Error, "write error, code "+strconv.Itoa(int(code)))
	}
	span.End()
}

func (m *monitor) failed(_ context.Context, e *event.CommandFailedEvent) {
	span, ok := m.take(e.ConnectionID, e.RequestID)
	if !ok {
		return
	}
	desc := "command failed"
	var de driver.Error
	if errors.As(e.Failure, &de) && de.Code != 0 {
		code := strconv.Itoa(int(de.Code))
		span.SetAttributes(attribute.String("db.response.status_code", code))
		desc = "command failed, code " + code
		if de.Name != "" {
			desc += " (" + de.Name + ")"
		}
	}
	// The error's message is not recorded: servers quote offending values
	// in it (a duplicate key, a document that failed validation).
	span.SetStatus(codes.Error, desc)
	span.End()
}

func (m *monitor) take(conn string, id int64) (trace.Span, bool) {
	v, ok := m.spans.LoadAndDelete(spanKey{conn, id})
	if !ok {
		return nil, false
	}
	return v.(trace.Span), true
}

// collectionCommands are the commands whose first element's value is the
// collection they address. Other commands are named without a collection, so
// an arbitrary string argument never becomes part of a span.
var collectionCommands = map[string]bool{
	"aggregate": true, "collMod": true, "collStats": true, "count": true, "create": true,
	"createIndexes": true, "delete": true, "distinct": true, "drop": true, "dropIndexes": true,
	"find": true, "findAndModify": true, "insert": true, "killCursors": true, "listIndexes": true,
	"update": true, "validate": true,
}

// collectionName returns the collection a command addresses: the string value
// of its first element for the commands above or, for getMore, its
// "collection" field. Nothing else of the body is read.
func collectionName(command string, body bson.Raw) string {
	var v bson.RawValue
	switch {
	case command == "getMore":
		var err error
		if v, err = body.LookupErr("collection"); err != nil {
			return ""
		}
	case collectionCommands[command]:
		elems, err := body.Elements()
		if err != nil || len(elems) == 0 || elems[0].Key() != command {
			return ""
		}
		v = elems[0].Value()
	default:
		return ""
	}
	s, _ := v.StringValueOK()
	return s
}

// writeFailure reports the code of the first write error or of the write
// concern error in a successful reply, which is how servers report a write
// that failed (e.g. a duplicate key) in a command that succeeded.
func writeFailure(reply bson.Raw) (int32, bool) {
	if v, err := reply.LookupErr("writeErrors"); err == nil {
		if arr, ok := v.ArrayOK(); ok {
			if vals, err := arr.Values(); err == nil && len(vals) > 0 {
				return codeOf(vals[0]), true
			}
		}
	}
	if v, err := reply.LookupErr("writeConcernError"); err == nil {
		return codeOf(v), true
	}
	return 0, false
}

func codeOf(v bson.RawValue) int32 {
	doc, ok := v.DocumentOK()
	if !ok {
		return 0
	}
	c, err := doc.LookupErr("code")
	if err != nil {
		return 0
	}
	if i, ok := c.Int32OK(); ok {
		return i
	}
	if i, ok := c.Int64OK(); ok {
		return int32(i)
	}
	if f, ok := c.DoubleOK(); ok {
		return int32(f)
	}
	return 0
}
