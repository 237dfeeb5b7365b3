package domain

import (
	"time"

	"github.com/justiceops/justice/services/platform/errs"
)

// LocationType is the kind of site where exploitation is suspected.
type LocationType string

// The location types.
const (
	LocationTypeBrothel             LocationType = "BROTHEL"
	LocationTypeHotelOrLodge        LocationType = "HOTEL_OR_LODGE"
	LocationTypeDanceBar            LocationType = "DANCE_BAR"
	LocationTypeSpaOrMassageParlour LocationType = "SPA_OR_MASSAGE_PARLOUR"
	LocationTypePrivateResidence    LocationType = "PRIVATE_RESIDENCE"
	LocationTypeOnline              LocationType = "ONLINE"
	LocationTypeOther               LocationType = "OTHER"
)

// LocationTypes lists every location type.
var LocationTypes = enumeration[LocationType]{
	LocationTypeBrothel, LocationTypeHotelOrLodge, LocationTypeDanceBar, LocationTypeSpaOrMassageParlour,
	LocationTypePrivateResidence, LocationTypeOnline, LocationTypeOther,
}

// LocationStatus is where a location is in its lifecycle.
type LocationStatus string

// The location statuses.
const (
	LocationSuspected          LocationStatus = "SUSPECTED"
	LocationUnderInvestigation LocationStatus = "UNDER_INVESTIGATION"
	LocationConfirmed          LocationStatus = "CONFIRMED"
	LocationRaided             LocationStatus = "RAIDED"
	LocationClosed             LocationStatus = "CLOSED"
	LocationDismissed          LocationStatus = "DISMISSED"
)

// LocationStatuses lists every location status.
var LocationStatuses = enumeration[LocationStatus]{
	LocationSuspected, LocationUnderInvestigation, LocationConfirmed, LocationRaided, LocationClosed, LocationDismissed,
}

// locationLifecycle: SUSPECTED -> UNDER_INVESTIGATION -> CONFIRMED -> RAIDED ->
// CLOSED, and DISMISSED from any status before RAIDED.
var locationLifecycle = lifecycle[LocationStatus]{
	Kind: "location",
	Allowed: map[LocationStatus][]LocationStatus{
		LocationSuspected:          {LocationUnderInvestigation, LocationDismissed},
		LocationUnderInvestigation: {LocationConfirmed, LocationDismissed},
		LocationConfirmed:          {LocationRaided, LocationDismissed},
		LocationRaided:             {LocationClosed},
	},
}

// NextLocationStatuses returns the statuses a location in status s may move to.
func NextLocationStatuses(s LocationStatus) []LocationStatus { return locationLifecycle.Next(s) }

// Limits of location fields, in characters.
const (
	MaxDisplayNameLength = 200
	MaxAreaLength        = 200
	MaxDistrictLength    = 200
	MaxNotesLength       = 4000
)

// LocationFields are the caller-controlled fields of a location.
type LocationFields struct {
	// DisplayName is a short human label for the site. Required.
	DisplayName string
	// Type is the kind of site. Required.
	Type LocationType
	// Area is the neighbourhood.
	Area string
	// District is the administrative district.
	District string
	// Notes are free text for investigators; never survivor identity.
	Notes string
}

// Validate checks the fields; prefix is the request path of the location
// (e.g. "location"), so violations name request fields.
func (f LocationFields) Validate(prefix string) errs.Violations {
	var v errs.Violations
	if checkRequired(&v, prefix+".display_name", f.DisplayName) {
		checkMaxLen(&v, prefix+".display_name", f.DisplayName, MaxDisplayNameLength, true)
	}
	checkEnum(&v, prefix+".type", f.Type, LocationTypes)
	checkMaxLen(&v, prefix+".area", f.Area, MaxAreaLength, true)
	checkMaxLen(&v, prefix+".district", f.District, MaxDistrictLength, true)
	checkMaxLen(&v, prefix+".notes", f.Notes, MaxNotesLength, true)
	return v
}

// LocationField names a field that an update may change.
type LocationField string

// The updatable location fields, named as in the API.
const (
	LocationFieldDisplayName LocationField = "display_name"
	LocationFieldType        LocationField = "type"
	LocationFieldArea        LocationField = "area"
	LocationFieldDistrict    LocationField = "district"
	LocationFieldNotes       LocationField = "notes"
)

// LocationUpdatableFields lists the fields UpdateLocation accepts in its mask.
var LocationUpdatableFields = []LocationField{
	LocationFieldDisplayName, LocationFieldType, LocationFieldArea, LocationFieldDistrict, LocationFieldNotes,
}

// Location is a suspected site of exploitation.
type Location struct {
	Meta
	LocationFields
	// Status is where the location is in its lifecycle.
	Status LocationStatus
	// Transitions is every status change, oldest first.
	Transitions []Transition[LocationStatus]
}

// NewLocation validates the fields and returns a new SUSPECTED location.
func NewLocation(id, office string, f LocationFields, actor string, now time.Time) (*Location, error) {
	if err := f.Validate("location").Err(); err != nil {
		return nil, err
	}
	return &Location{Meta: newMeta(id, office, actor, now), LocationFields: f, Status: LocationSuspected}, nil
}

// Name is the location's resource name.
func (l *Location) Name() string { return Name(l.Office, CollectionLocations, l.ID) }

// Update copies the named fields from src, validates the result and records who changed it.
func (l *Location) Update(fields []LocationField, src LocationFields, actor string, now time.Time) error {
	next := l.LocationFields
	for _, f := range fields {
		switch f {
		case LocationFieldDisplayName:
			next.DisplayName = src.DisplayName
		case LocationFieldType:
			next.Type = src.Type
		case LocationFieldArea:
			next.Area = src.Area
		case LocationFieldDistrict:
			next.District = src.District
		case LocationFieldNotes:
			next.Notes = src.Notes
		default:
			return errs.InvalidArgument("INVALID_UPDATE_MASK", "location field "+string(f)+" cannot be updated")
		}
	}
	if err := next.Validate("location").Err(); err != nil {
		return err
	}
	l.LocationFields = next
	l.Touch(actor, now)
	return nil
}

// Transition moves the location to status `to` if its lifecycle allows,
// recording the change.
func (l *Location) Transition(to LocationStatus, c Change) error {
	if err := transition(locationLifecycle, l.Name(), &l.Status, &l.Transitions, to, c); err != nil {
		return err
	}
	l.Touch(c.Actor, c.Time)
	return nil
}

// Applied reports whether a transition made under requestID is already recorded.
func (l *Location) Applied(requestID string) bool { return applied(l.Transitions, requestID) }

// CheckDeletable fails unless the location may be deleted by its status: only
// a SUSPECTED or DISMISSED location, never investigated into a confirmed site,
// may be removed. (That no operation names it is checked by the caller.)
func (l *Location) CheckDeletable() error {
	if l.Status == LocationSuspected || l.Status == LocationDismissed {
		return nil
	}
	return errs.FailedPrecondition("LOCATION_NOT_DELETABLE",
		"location %s is %s; only SUSPECTED or DISMISSED locations can be deleted", l.Name(), l.Status).
		WithMetadata("current_state", string(l.Status))
}

// AcceptsOperations reports whether an operation may be planned at the
// location: it must be CONFIRMED, or RAIDED (a site raided once is often
// raided again when exploitation resumes).
func (l *Location) AcceptsOperations() bool {
	return l.Status == LocationConfirmed || l.Status == LocationRaided
}

// Clone returns a deep copy.
func (l *Location) Clone() *Location {
	c := *l
	c.Transitions = append([]Transition[LocationStatus](nil), l.Transitions...)
	return &c
}
