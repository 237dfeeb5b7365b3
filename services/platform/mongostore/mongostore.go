// Package mongostore connects services to MongoDB (or the embedded FerretDB of
// the local stack, which speaks the same protocol) with the settings every
// service must use: majority write concern, retryable writes and reads,
// bounded connect and operation timeouts, and OpenTelemetry client spans per
// command that never carry the command body.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
)

// Defaults applied by Connect when a Config duration is zero (a Config built
// in code rather than loaded from the environment).
const (
	DefaultConnectTimeout   = 10 * time.Second
	DefaultOperationTimeout = 5 * time.Second
)

// Config says where the store is. Each binary chooses its own default
// database name and what an empty URI means (the local stack starts an
// embedded store), so Validate accepts empty values and Connect rejects an
// empty URI.
type Config struct {
	// URI is the MongoDB connection string. It may hold credentials, so it
	// is never printed, not even in validation errors.
	URI string `env:"MONGODB_URI"`
	// Database is the database the service owns.
	Database string `env:"MONGODB_DATABASE"`
	// ConnectTimeout bounds server selection, connection and the initial ping.
	ConnectTimeout time.Duration `env:"MONGODB_CONNECT_TIMEOUT, default=10s"`
	// OperationTimeout bounds each operation whose context has no deadline.
	OperationTimeout time.Duration `env:"MONGODB_OPERATION_TIMEOUT, default=5s"`
}

// databaseNameRe is the database name syntax accepted by both MongoDB and
// FerretDB v1 (the stricter of the two).
var databaseNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,63}$`)

// Validate checks the values that are set and names the variable of each
// problem. The URI's value is never included in the message.
func (c Config) Validate() error {
	var problems []error
	if c.URI != "" {
		if _, err := connstring.ParseAndValidate(offlineURI(c.URI)); err != nil {
			problems = append(problems, errors.New(
				"MONGODB_URI: must be a valid mongodb:// or mongodb+srv:// connection string "+
					"(value not shown because it may hold credentials)"))
		}
	}
	if c.Database != "" && !databaseNameRe.MatchString(c.Database) {
		problems = append(problems, fmt.Errorf(
			"MONGODB_DATABASE=%q: must be 1 to 63 characters of A-Z, a-z, 0-9, _ and -", c.Database))
	}
	if c.ConnectTimeout <= 0 {
		problems = append(problems, fmt.Errorf(
			"MONGODB_CONNECT_TIMEOUT=%s: must be a positive duration, e.g. 10s", c.ConnectTimeout))
	}
	if c.OperationTimeout <= 0 {
		problems = append(problems, fmt.Errorf(
			"MONGODB_OPERATION_TIMEOUT=%s: must be a positive duration, e.g. 5s", c.OperationTimeout))
	}
	return errors.Join(problems...)
}

// offlineURI returns uri with a mongodb+srv scheme replaced by mongodb, so that
// validating its syntax does not look its hosts up in DNS (the driver's
// parser resolves SRV and TXT records while parsing).
func offlineURI(uri string) string {
	if rest, ok := strings.CutPrefix(uri, "mongodb+srv://"); ok {
		return "mongodb://" + rest
	}
	return uri
}

// Connect opens a client for cfg.URI with majority write concern, retryable
// writes and reads, the timeouts of cfg (defaults for zero values) and the
// tracing monitor of NewMonitor, and pings the server before returning. The
// caller disconnects the client.
func Connect(ctx context.Context, cfg Config) (*mongo.Client, error) {
	if cfg.URI == "" {
		return nil, errors.New("mongostore.Connect: MONGODB_URI is empty; set it to a mongodb:// connection string")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.OperationTimeout == 0 {
		cfg.OperationTimeout = DefaultOperationTimeout
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mongostore.Connect: %w", err)
	}

	client, err := mongo.Connect(clientOptions(cfg))
	if err != nil {
		return nil, fmt.Errorf("mongostore.Connect: %w", err)
	}

	pingCtx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := client.Ping(pingCtx, nil); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongostore.Connect: ping: %w", err)
	}
	return client, nil
}

// clientOptions returns the driver options for a validated cfg with defaults
// applied. ApplyURI comes first so that the settings after it win over any
// the URI carries (a URI asking for w=1 still gets majority).
func clientOptions(cfg Config) *options.ClientOptions {
	return options.Client().
		ApplyURI(cfg.URI).
		SetWriteConcern(writeconcern.Majority()).
		SetRetryWrites(true).
		SetRetryReads(true).
		SetConnectTimeout(cfg.ConnectTimeout).
		SetServerSelectionTimeout(cfg.ConnectTimeout).
		SetTimeout(cfg.OperationTimeout).
		SetMonitor(NewMonitor())
}

// EnsureIndexes creates the indexes of models on coll. Creating an index that
// already exists with the same name and keys does nothing, so services call
// it at every start. An index that exists with the same name but other keys
// is an error: give a changed index a new name to migrate.
//
// The indexes are created one command at a time: FerretDB v1.24 drops the
// connection when a single createIndexes command names two or more indexes
// that already exist. FerretDB v1 also ignores "sparse", and rejects
// expireAfterSeconds (TTL) and partialFilterExpression.
//
// The driver records the index name in the model's options as it creates
// it (IndexOptionsBuilder.SetName), so each call works on a copy of them:
// models are typically package variables, shared by every service of a
// process that opens its store at the same time.
func EnsureIndexes(ctx context.Context, coll *mongo.Collection, models []mongo.IndexModel) error {
	for _, m := range models {
		if m.Options != nil {
			m.Options = &options.IndexOptionsBuilder{Opts: slices.Clone(m.Options.Opts)}
		}
		if _, err := coll.Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("mongostore.EnsureIndexes: collection %q: %w", coll.Name(), err)
		}
	}
	return nil
}

// IsDuplicateKey reports whether err is (or wraps) a unique index violation
// from an insert, an update, a findAndModify or a bulk write.
//
// MongoDB reports every such violation with code 11000. FerretDB v1 does so
// for inserts, but for updates and findAndModify it returns InternalError
// (code 1) carrying SQLite's "UNIQUE constraint failed" message, which the
// driver's mongo.IsDuplicateKeyError does not recognise: use this function.
func IsDuplicateKey(err error) bool {
	if err == nil {
		return false
	}
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCodeWithMessage(ferretInternalError, sqliteUniqueViolation)
}

// The code and message of FerretDB v1's SQLite backend for a unique index
// violation during an update.
const (
	ferretInternalError   = 1
	sqliteUniqueViolation = "UNIQUE constraint failed"
)
