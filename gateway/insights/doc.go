// Package insights serves the cross-office API of regional directors
// (justice.insights.v1.InsightsService: GET /v1/metrics, GET /v1/milestones)
// at the gateway. It asks every registered Source (the services' internal
// justice.metrics.v1.MetricsSourceService) for its monthly counters
// concurrently, each call bounded by Config.SourceTimeout, merges the answers
// per office, period and metric, and reports what each source answered. A
// source that is down, slow or failing costs only its own metrics: the
// response carries the others' values and a SourceStatus naming the missing
// metrics. The whole call fails only for invalid input, an office outside
// the caller's scope, or a caller without a token.
//
// # Wiring
//
// New builds the server from a Config (loaded with config.Load, or
// DefaultConfig), the office registry and one Source per service; adding a
// service's metrics is registering one more Source. The same *Server serves
// REST in-process (insightsv1.RegisterInsightsServiceHandlerServer, behind
// auth.HTTPMiddleware) and gRPC (insightsv1.RegisterInsightsServiceServer,
// behind auth.ServerOptions with Policy).
//
// # Identity and token forwarding
//
// The caller is identity.FromContext: auth.HTTPMiddleware stores the
// verified principal with identity.WithPrincipal in the request context
// (which grpc-gateway's HandlerServer path passes on), and the gRPC auth
// interceptor does the same. The sources are called with the caller's own
// token, so each source applies the caller's office scope and roles itself.
// The token is the one set with WithToken if any, otherwise the single
// "authorization: Bearer <token>" value of the incoming gRPC metadata:
// the gRPC path has it from the client, and on the REST path
// grpc-gateway's runtime.AnnotateIncomingContext copies the HTTP
// Authorization header (the one auth.HTTPMiddleware verified; it removes
// Grpc-Metadata-* headers) into the incoming metadata under "authorization".
// The sources' client connections must therefore not carry per-RPC
// credentials of their own: a second authorization value is refused by the
// services. (The forwarding is the gateway's internal package forward,
// which the merged audit log shares.)
//
// # Metric semantics
//
// Sources report monthly counter values: the sum of the counters' deltas for
// an office, metric and month (package counters). The rescue source provides
// survivors_rescued, minors_rescued and operations_conducted; the
// prosecution source criminals_restrained (accused first taken into custody,
// each person once per case), convictions, acquittals and
// cases_charge_sheeted (cases whose chargesheet was filed). Most metrics are
// flows (all of those): a period's value is the sum of its months. survivors_in_aftercare is a stock: its
// monthly values are net changes (+1 when an enrollment becomes ACTIVE, -1
// when it leaves ACTIVE), and a period's value is the running total at the
// end of the period, i.e. the sum of every month up to the period's last
// month (so it is queried from the beginning of time whatever "from" is).
// Any other name a source provides is treated as a flow.
//
// conviction_rate is derived: convictions / (convictions + acquittals) of
// the period, as a whole percentage (0 to 100, rounded half up). A period
// without a verdict (no conviction and no acquittal) has no rate: its
// conviction_rate cell is left out of the answer, so that a 0 always means
// that every verdict was an acquittal. It is served only when both
// convictions and acquittals are available, i.e. when a source providing
// them (the prosecution service) answers; otherwise it is listed among the
// missing metrics of the source expected to provide them, or is an unknown
// metric when no registered source is expected to.
//
// Periods are calendar months ("2024-03"), quarters ("2024-Q1"), years
// ("2024") or the whole range ("total"), clipped to [from, to]: with from
// 2024-02 the first quarter covers February and March only. Every office x
// period x metric requested gets a value, zeros included, so that "0" reads
// as zero and not as missing data; the only cells left out are those of
// metrics no answering source provides (see the sources' statuses) and the
// conviction_rate of periods without a verdict. When
// from is empty it is the earliest month any source returned a value for,
// among the requested offices; when to is empty it is the current month in
// the latest of those offices' time zones.
//
// # Suppression
//
// Callers holding none of the office staff roles (StaffRoles: partner
// homes, auditors, admins, services) get small counts withheld: a cell with
// 0 < value < k (Config.SuppressionK, default 11 as in IOM's CTDC dataset)
// comes back with suppressed=true and value 0, and suppression_threshold
// says k. A conviction_rate cell is suppressed when its convictions or its
// acquittals would be, since the rate and the other count would give the
// withheld count away. Cell suppression protects each cell on its own; it
// does not stop differencing across overlapping requests (two totals over
// ranges one month apart), so exports for partners should use fixed
// periods. Milestones are not suppressed: they are the office's public
// history (first conviction, 500th survivor rescued).
//
// # Milestones
//
// ListMilestones derives, per office, from all-time monthly values: the
// first survivor rescued, every 100th survivor rescued (the month the
// running total reached 100, 200, ...), the first operation conducted and,
// from the prosecution source's convictions, the first conviction (the
// first month with a conviction).
package insights
