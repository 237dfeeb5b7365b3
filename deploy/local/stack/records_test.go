package stack_test

import "time"

// casework makes records in a given state through the REST edge, for the
// tests that need records rather than test making them.
type casework struct {
	c client
	// linked holds, per office, the survivor the cases casework makes link
	// (recorded on first use).
	linked map[string]string
}

func newCasework(c client) casework { return casework{c: c, linked: map[string]string{}} }

func (w casework) location(office string, steps ...string) string {
	r := w.c.must(201, "POST", "/v1/offices/"+office+"/locations", map[string]any{
		"display_name": "Matrix lodge", "type": "LOCATION_TYPE_HOTEL_OR_LODGE", "district": "Matrix"})
	name := str(r.Body, "name")
	for _, step := range steps {
		w.c.must(200, "POST", "/v1/"+name+":"+step, map[string]any{"reason": "access matrix"})
	}
	return name
}

func (w casework) operation(office string, conducted bool) string {
	r := w.c.must(201, "POST", "/v1/offices/"+office+"/operations", operationBody(w.location(office, "investigate", "confirm")))
	name := str(r.Body, "name")
	if conducted {
		w.c.must(200, "POST", "/v1/"+name+":conduct", conductBody())
	}
	return name
}

func (w casework) survivor(office string) string {
	r := w.c.must(201, "POST", "/v1/offices/"+office+"/survivors", survivorBody(w.operation(office, true), "Matrix", 24))
	return str(r.Body, "name")
}

func operationBody(location string) map[string]any {
	return map[string]any{"location": location, "planned_time": time.Now().Add(-72 * time.Hour).UTC().Format(time.RFC3339),
		"police_unit": "AHTU", "legal_basis": "OPERATION_LEGAL_BASIS_ITPA_S16_RESCUE"}
}

func conductBody() map[string]any {
	return map[string]any{"conduct_time": time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339), "suspects_apprehended": 1}
}

// linkedSurvivor is the survivor of office the cases casework makes link.
func (w casework) linkedSurvivor(office string) string {
	if w.linked[office] == "" {
		w.linked[office] = w.survivor(office)
	}
	return w.linked[office]
}

// day is a google.type.Date as JSON.
func day(year, month, d int) map[string]any {
	return map[string]any{"year": year, "month": month, "day": d}
}

// firDate is the FIR date of the cases casework makes; their other dates
// follow it.
var firDate = day(2025, 1, 5)

// charge is one charge: statute (ITPA, IPC, BNS, POCSO), section, offence date.
func charge(statute, section string, offence map[string]any) map[string]any {
	return map[string]any{"statute": "STATUTE_" + statute, "section": section, "offence_date": offence}
}

// caseBody is a case registered on firDate, charged under BNS s.143 for an
// offence the day before, linking survivors.
func caseBody(firNumber string, survivors ...string) map[string]any {
	return map[string]any{
		"title": "State v. Accused 1 and others", "fir_number": firNumber, "police_station": "Nagpada Police Station",
		"fir_date": firDate, "court": "Sessions Court, Mumbai", "survivors": survivors,
		"charges": []any{charge("BNS", "143", day(2025, 1, 4))},
	}
}

// prosecutionCase makes a case in office linking the office's linked
// survivor, advanced through stages (CASE_STAGE_ names without the prefix),
// one a day from 2025-02-01.
func (w casework) prosecutionCase(office string, stages ...string) string {
	name := str(w.c.must(201, "POST", "/v1/offices/"+office+"/cases", caseBody("CW/2025", w.linkedSurvivor(office))).Body, "name")
	for i, stage := range stages {
		w.c.must(200, "POST", "/v1/"+name+":advanceStage", map[string]any{"stage": "CASE_STAGE_" + stage, "effective_date": day(2025, 2, 1+i)})
	}
	return name
}

// accused makes an accused in a case, moved through custody (CUSTODY_
// names without the prefix), one a day from 2025-01-10.
func (w casework) accused(caseName string, custody ...string) string {
	name := str(w.c.must(201, "POST", "/v1/"+caseName+"/accused", map[string]any{
		"display_name": "Accused 1 (alias Raju)", "role": "ACCUSED_ROLE_BROTHEL_OWNER_OR_KEEPER"}).Body, "name")
	for i, to := range custody {
		w.c.must(200, "POST", "/v1/"+name+":changeCustody", map[string]any{"custody": "CUSTODY_" + to, "effective_date": day(2025, 1, 10+i)})
	}
	return name
}

// hearing makes a hearing of a case on date.
func (w casework) hearing(caseName string, date map[string]any) string {
	return str(w.c.must(201, "POST", "/v1/"+caseName+"/hearings", map[string]any{
		"date": date, "purpose": "HEARING_PURPOSE_EVIDENCE", "court_room": "Court Room 14"}).Body, "name")
}

// witness makes a victim-witness record of a survivor the case links.
func (w casework) witness(caseName, survivor string) string {
	return str(w.c.must(201, "POST", "/v1/"+caseName+"/witnesses", map[string]any{"survivor": survivor}).Body, "name")
}

// compensationBody is an application for survivor, made on applied.
func compensationBody(survivor string, applied map[string]any) map[string]any {
	return map[string]any{"survivor": survivor, "applied_date": applied, "authority": "DLSA Mumbai", "claimed_inr": "300000"}
}

// compensation makes a compensation application for a survivor the case links.
func (w casework) compensation(caseName, survivor string) string {
	return str(w.c.must(201, "POST", "/v1/"+caseName+"/compensations", compensationBody(survivor, day(2025, 3, 20))).Body, "name")
}
