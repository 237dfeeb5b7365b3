// Package proto holds the justice protobuf contracts. The generated Go code
// lives under gen/go and the OpenAPI v2 documents under gen/openapi; both are
// regenerated with `make proto` from the .proto sources beside this file.
package proto

import "embed"

// OpenAPI holds the generated OpenAPI v2 documents, one per .proto file,
// under gen/openapi/justice/<service>/v1/.
//
//go:embed gen/openapi
var OpenAPI embed.FS
