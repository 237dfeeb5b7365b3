package grpcserver

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/services/platform/logging"
)

// The keys of the per-call log line (besides logging's trace_id, span_id and
// request_id, which come from the context).
const (
	LogKeyMethod     = "method"
	LogKeyCode       = "code"
	LogKeyDurationMS = "duration_ms"
	LogKeyReason     = "reason"
	LogKeyError      = "error"
)

// healthServicePrefix marks health checks, logged at debug level when they
// succeed so that probes do not drown the log.
const healthServicePrefix = "/grpc.health.v1.Health/"

// loggingUnary puts logger into the call's context and logs one JSON line
// per call. Requests and responses are never logged: they hold survivors'
// data.
func loggingUnary(logger *slog.Logger, domain string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(logging.WithLogger(ctx, logger), req)
		err = mapError(domain, err)
		logCall(ctx, logger, info.FullMethod, time.Since(start), err)
		return resp, err
	}
}

// loggingStream is loggingUnary for streams: one line when the stream ends.
func loggingStream(logger *slog.Logger, domain string) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		ctx := ss.Context()
		err := mapError(domain, handler(srv, withContext(ss, logging.WithLogger(ctx, logger))))
		logCall(ctx, logger, info.FullMethod, time.Since(start), err)
		return err
	}
}

// logCall writes the call's line: method, code, duration_ms; for errors the
// ErrorInfo reason; and for server faults (INTERNAL, UNKNOWN, DATA_LOSS) the
// internal cause, which the caller never sees. Other errors' messages are
// left out: they are for the caller and may echo its input.
func logCall(ctx context.Context, logger *slog.Logger, method string, d time.Duration, err error) {
	st := status.Convert(err)
	c := st.Code()
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs,
		slog.String(LogKeyMethod, method),
		slog.String(LogKeyCode, codeName(c)),
		slog.Float64(LogKeyDurationMS, float64(d.Microseconds())/1000))
	if reason := errorReason(st); reason != "" {
		attrs = append(attrs, slog.String(LogKeyReason, reason))
	}
	if isServerFault(c) {
		attrs = append(attrs, slog.String(LogKeyError, internalCause(err, st)))
	}
	logger.LogAttrs(ctx, levelFor(method, c), "rpc finished", attrs...)
}

// codeName returns the canonical google.rpc.Code name, e.g. "NOT_FOUND".
func codeName(c codes.Code) string {
	if name, ok := code.Code_name[int32(c)]; ok {
		return name
	}
	return c.String()
}

func errorReason(st *status.Status) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

func isServerFault(c codes.Code) bool {
	return c == codes.Internal || c == codes.Unknown || c == codes.DataLoss
}

// internalCause is the error behind a server fault: the handler's own error
// (or the recovered panic) when the status was mapped here, else the
// status's message.
func internalCause(err error, st *status.Status) string {
	var se *statusError
	if errors.As(err, &se) && se.cause != nil {
		return se.cause.Error()
	}
	return st.Message()
}

func levelFor(method string, c codes.Code) slog.Level {
	switch c {
	case codes.OK:
		if strings.HasPrefix(method, healthServicePrefix) {
			return slog.LevelDebug
		}
		return slog.LevelInfo
	case codes.Internal, codes.Unknown, codes.DataLoss:
		return slog.LevelError
	case codes.DeadlineExceeded, codes.Unavailable, codes.ResourceExhausted, codes.Unimplemented:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}
