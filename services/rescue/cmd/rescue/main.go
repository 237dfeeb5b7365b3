// Command rescue serves the justice.rescue.v1.RescueService, its
// RescueReferenceService for other services, its justice.audit.v1.AuditService
// and its part of the cross-office metrics
// (justice.metrics.v1.MetricsSourceService) over gRPC, every call
// authenticated by bearer token. It is configured by environment variables (see
// service.Config); MONGODB_URI, the token keys (AUTH_OIDC_ISSUER_URL, or
// AUTH_ISSUER with AUTH_KEYS_FILE) and KEYS_DIR are required.
package main

import (
	"github.com/justiceops/justice/services/platform/servicekit"
	"github.com/justiceops/justice/services/rescue/service"
)

func main() { servicekit.Main(service.Name, service.LoadConfig, service.Run) }
