package edge

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/requestid"
)

// withRequestID makes sure every request has an X-Request-Id: the caller's,
// when well formed, or a new one. It is echoed on the response, passed to the
// services as x-request-id metadata and carried in the context for logs.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestid.IsValid(id) {
			id = requestid.New()
			r.Header.Set("X-Request-Id", id)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(requestid.WithRequestID(r.Context(), id)))
	})
}

// statusRecorder remembers the status and size of a response for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Flush lets streaming responses through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// accessLog writes one JSON line per request: method, route, status, size,
// duration and request id. It never logs query strings or bodies, which can
// carry filters and record contents.
func accessLog(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		ctx := logging.WithLogger(r.Context(), logger)
		next.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		logger.InfoContext(ctx, "http request",
			slog.String("method", r.Method),
			slog.String("route", routeOf(r)),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		)
	})
}

// routeOf returns the request path with office and record ids replaced by
// placeholders, e.g. /v1/offices/{office}/cases/{id}/accused/{id}:recordVerdict:
// a low-cardinality span name and log field that does not pin a record.
// Under /v1/offices/ the segments alternate collection and id at every
// depth; a custom verb stays.
func routeOf(r *http.Request) string {
	p := r.URL.Path
	rest, ok := strings.CutPrefix(p, "/v1/offices/")
	if !ok {
		return p
	}
	segs := strings.Split(rest, "/")
	for i := 0; i < len(segs); i += 2 {
		placeholder := "{id}"
		if i == 0 {
			placeholder = "{office}"
		}
		verb := ""
		if j := strings.IndexByte(segs[i], ':'); j >= 0 && i == len(segs)-1 {
			verb = segs[i][j:]
		}
		segs[i] = placeholder + verb
	}
	return "/v1/offices/" + strings.Join(segs, "/")
}

// limitBody caps request bodies at limit bytes, answering 413 above it. The
// body is read here, bounded, so the decoder behind never sees a partial one.
func limitBody(next http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeTooLarge(r.Context(), w, limit)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
			if err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					writeTooLarge(r.Context(), w, limit)
					return
				}
				writeError(r.Context(), w, http.StatusBadRequest, status.New(codes.InvalidArgument, "request body could not be read"))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
