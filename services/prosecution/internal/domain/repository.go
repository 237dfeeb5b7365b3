package domain

import (
	"context"
)

// CaseRepository stores cases. Every method that reads takes the caller's
// Scope and puts it into the database filter: a record of an office outside
// the scope is NOT_FOUND, exactly as an absent one, with the same message.
// Create writes the record's own office; the use case checks first that the
// office is in the caller's scope. Cases are never deleted through the API.
type CaseRepository interface {
	// Create inserts a new case with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, c *Case) error
	// Get returns the case, or NOT_FOUND reason CASE_NOT_FOUND.
	Get(ctx context.Context, scope Scope, office, id string) (*Case, error)
	// GetMany returns, by id, the cases of the office (if in scope) among
	// ids; ids not found are absent from the map, not an error.
	GetMany(ctx context.Context, scope Scope, office string, ids []string) (map[string]*Case, error)
	// Update loads the case, applies fn and stores the result if nobody
	// changed the case meanwhile (else ABORTED reason ETAG_MISMATCH).
	Update(ctx context.Context, scope Scope, office, id string, fn UpdateFunc[Case]) (*Case, error)
	// List returns one page of cases of q.Scope.
	List(ctx context.Context, q ListQuery) (Page[*Case], error)
	// ListWithCognizance returns the cognizance date of every case of the
	// office (if in scope) that has one, by case id: what the evidence
	// deadlines of the office's child witnesses are computed from.
	ListWithCognizance(ctx context.Context, scope Scope, office string) (map[string]Date, error)
}

// AccusedRepository stores accused persons, scoped like CaseRepository. A
// list's parent is a case of an office; caseID AllCases lists every case
// of the office.
type AccusedRepository interface {
	// Create inserts a new accused with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, a *Accused) error
	// Get returns the accused, or NOT_FOUND reason ACCUSED_NOT_FOUND.
	Get(ctx context.Context, scope Scope, office, caseID, id string) (*Accused, error)
	// Update loads the accused, applies fn and stores the result if nobody changed it meanwhile.
	Update(ctx context.Context, scope Scope, office, caseID, id string, fn UpdateFunc[Accused]) (*Accused, error)
	// List returns one page of the accused of the case (or of every case of
	// the office, for AllCases) within q.Scope.
	List(ctx context.Context, office, caseID string, q ListQuery) (Page[*Accused], error)
}

// HearingRepository stores hearings, scoped like CaseRepository.
type HearingRepository interface {
	// Create inserts a new hearing with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, h *Hearing) error
	// Get returns the hearing, or NOT_FOUND reason HEARING_NOT_FOUND.
	Get(ctx context.Context, scope Scope, office, caseID, id string) (*Hearing, error)
	// Update loads the hearing, applies fn and stores the result if nobody changed it meanwhile.
	Update(ctx context.Context, scope Scope, office, caseID, id string, fn UpdateFunc[Hearing]) (*Hearing, error)
	// Delete removes the hearing if it is still at the given version (else
	// ABORTED reason ETAG_MISMATCH; NOT_FOUND if it is gone).
	Delete(ctx context.Context, scope Scope, office, caseID, id string, version int64) error
	// List returns one page of the hearings of the case (or of every case
	// of the office, for AllCases) within q.Scope.
	List(ctx context.Context, office, caseID string, q ListQuery) (Page[*Hearing], error)
	// Calendar returns one page of the hearings of every case of the office
	// whose date lies in [q.Start, q.End], ordered by date, then by name.
	Calendar(ctx context.Context, q CalendarQuery) (Page[*Hearing], error)
}

// CalendarQuery asks for one page of an office's hearing calendar. The
// range is checked first (ValidateCalendarRange).
type CalendarQuery struct {
	// Scope is the offices the caller may reach; an office outside it gives
	// an empty calendar.
	Scope Scope
	// Office is the office code.
	Office string
	// Start and End are the first and last day, inclusive.
	Start, End Date
	// PageSize is the caller's page_size (0 means the default).
	PageSize int32
	// PageToken continues a previous page of the same office and range.
	PageToken string
}

// WitnessRepository stores victim-witnesses, scoped like CaseRepository.
type WitnessRepository interface {
	// Create inserts a new witness with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, w *Witness) error
	// Get returns the witness, or NOT_FOUND reason WITNESS_NOT_FOUND.
	Get(ctx context.Context, scope Scope, office, caseID, id string) (*Witness, error)
	// Update loads the witness, applies fn and stores the result if nobody changed it meanwhile.
	Update(ctx context.Context, scope Scope, office, caseID, id string, fn UpdateFunc[Witness]) (*Witness, error)
	// Delete removes the witness if it is still at the given version.
	Delete(ctx context.Context, scope Scope, office, caseID, id string, version int64) error
	// List returns one page of the witnesses of the case, or of every case
	// of the office for AllCases (the office's witness list), within q.Scope.
	List(ctx context.Context, office, caseID string, q ListQuery) (Page[*Witness], error)
	// CountBySurvivor counts the witnesses of the case (if in scope) that
	// name the survivor: at most one may, and none once it is unlinked.
	CountBySurvivor(ctx context.Context, scope Scope, office, caseID, survivor string) (int, error)
}

// CompensationRepository stores compensation applications, scoped like
// CaseRepository. They are never deleted through the API.
type CompensationRepository interface {
	// Create inserts a new compensation with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, c *Compensation) error
	// Get returns the compensation, or NOT_FOUND reason COMPENSATION_NOT_FOUND.
	Get(ctx context.Context, scope Scope, office, caseID, id string) (*Compensation, error)
	// Update loads the compensation, applies fn and stores the result if nobody changed it meanwhile.
	Update(ctx context.Context, scope Scope, office, caseID, id string, fn UpdateFunc[Compensation]) (*Compensation, error)
	// List returns one page of the compensations of the case (or of every
	// case of the office, for AllCases) within q.Scope.
	List(ctx context.Context, office, caseID string, q ListQuery) (Page[*Compensation], error)
	// CountBySurvivor counts the compensations of the case (if in scope)
	// that name the survivor, so a survivor is not unlinked from under them.
	CountBySurvivor(ctx context.Context, scope Scope, office, caseID, survivor string) (int, error)
}
