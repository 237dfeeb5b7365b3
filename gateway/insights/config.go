package insights

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/identity"
)

// Limits of Config.
const (
	// MaxSourceTimeout is the longest INSIGHTS_SOURCE_TIMEOUT allowed.
	MaxSourceTimeout = time.Minute
	// MaxSuppressionK is the largest INSIGHTS_SUPPRESSION_K allowed.
	MaxSuppressionK = 1000
)

// Config is the insights API's configuration, read from the environment.
type Config struct {
	// SourceTimeout bounds each call to a source; a source that has not
	// answered by then is reported DEADLINE_EXCEEDED and its metrics are
	// missing from the answer.
	SourceTimeout time.Duration `env:"INSIGHTS_SOURCE_TIMEOUT, default=2s"`
	// SuppressionK is the threshold k below which non-zero counts are
	// withheld from callers outside the office staff (see StaffRoles);
	// 0 disables suppression.
	SuppressionK int `env:"INSIGHTS_SUPPRESSION_K, default=11"`
}

// DefaultConfig returns the configuration the environment defaults give:
// a 2s source timeout and k = 11.
func DefaultConfig() Config {
	return Config{SourceTimeout: 2 * time.Second, SuppressionK: 11}
}

// Validate reports every setting that is not allowed, naming its variable.
func (c Config) Validate() error {
	var problems []error
	if c.SourceTimeout <= 0 || c.SourceTimeout > MaxSourceTimeout {
		problems = append(problems, config.Invalid("INSIGHTS_SOURCE_TIMEOUT", c.SourceTimeout.String(),
			"must be a positive duration of at most 1m, e.g. 2s"))
	}
	if c.SuppressionK < 0 || c.SuppressionK > MaxSuppressionK {
		problems = append(problems, config.Invalid("INSIGHTS_SUPPRESSION_K", strconv.Itoa(c.SuppressionK),
			"must be between 0 and 1000 (0 disables suppression), e.g. 11"))
	}
	return errors.Join(problems...)
}

// staffRoles are the roles of people who work in an office with its
// records, and so see exact small counts.
var staffRoles = []string{
	auth.RoleInvestigator,
	auth.RoleLawyer,
	auth.RoleSocialWorker,
	auth.RoleTrainer,
	auth.RoleOfficeDirector,
	auth.RoleRegionalDirector,
}

// StaffRoles returns the roles counted as office staff: investigator,
// lawyer, social_worker, trainer, office_director and regional_director.
// A caller holding at least one of them sees exact values; every other
// caller (partner_home, auditor, admin, service) gets small counts
// suppressed. It is a fixed list, not configuration, so that a deployment
// cannot weaken suppression by accident. The result is a fresh slice.
func StaffRoles() []string { return slices.Clone(staffRoles) }

// isStaff reports whether p holds one of the staff roles.
func isStaff(p identity.Principal) bool {
	return slices.ContainsFunc(p.Roles, func(r string) bool { return slices.Contains(staffRoles, r) })
}
