package stack_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/justiceops/justice/deploy/local/stack"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/platform/logging"
)

// identityRE matches the distinctive identity the privacy tests record, in
// the renderings it could take: the names (any case), the date of birth as
// text or as a google.type.Date, the contact with and without spaces.
var identityRE = regexp.MustCompile(`(?i)zyxwy|qqvarn|1999-02-03|19990203|03/02/1999|"year"\D{0,4}1999|98765 43210|9876543210|\+91 98765`)

// withIdentity is a survivor body with every protected identity field set,
// born on 1999-02-03.
func withIdentity(operation, pseudonym string) map[string]any {
	b := survivorBody(operation, pseudonym, 24)
	rescued, err := time.Parse(time.RFC3339, b["rescue_time"].(string))
	if err != nil {
		panic(err)
	}
	age := rescued.Year() - 1999
	if rescued.Before(time.Date(rescued.Year(), 2, 3, 0, 0, 0, 0, time.UTC)) {
		age--
	}
	b["age_at_rescue"] = age
	b["date_of_birth"] = map[string]any{"year": 1999, "month": 2, "day": 3}
	b["family_contact"] = "+91 98765 43210"
	b["address"] = "7 Qqvarn Lane, Dharavi"
	return b
}

// privacyFIR is the FIR number of the privacy test's case, to find its
// records in the raw files.
const privacyFIR = "PRIV-7731/2025"

// syncBuffer is a log sink safe for the stack's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsTracesAndFilesCarryNoIdentity runs create, read, update, list,
// duplicate search, refused and failed calls on survivors with distinctive
// identity through the REST edge, then a prosecution case linking one of
// them (witness, compensation, reads, refused and failed calls), capturing
// every log line (at debug level) and every span, then greps them, and the
// raw SQLite files of both services' databases and the key files of the
// data directory after Stop, for that identity; prosecution's database
// holds not even the pseudonym.
func TestLogsTracesAndFilesCarryNoIdentity(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	prevProp := otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	defer func() {
		_ = tp.Shutdown(context.Background())
		otel.SetTracerProvider(noop.NewTracerProvider())
		otel.SetTextMapPropagator(prevProp)
	}()
	var logs syncBuffer
	logger := logging.New(&logs, slog.LevelDebug)
	prevDefault := slog.Default()
	slog.SetDefault(logger)
	defer slog.SetDefault(prevDefault)

	dir := t.TempDir()
	s := startStack(t, dir, func(_ *stack.Config, l **slog.Logger) { *l = logger })
	c := investigator(t, s)
	op := seedOperation(c, "mumbai")

	// One body for the create and its retry: a retry resends the same request.
	kestrel := withIdentity(op, "Kestrel")
	created := c.must(201, "POST", "/v1/offices/mumbai/survivors?request_id=privacy-1", kestrel)
	name := str(created.Body, "name")
	c.must(201, "POST", "/v1/offices/mumbai/survivors?request_id=privacy-1", kestrel)
	got := c.must(200, "GET", "/v1/"+name, nil)
	if str(got.Body, "legal_name") != "Zyxwy Qqvarn" || str(got.Body, "family_contact") != "+91 98765 43210" {
		t.Fatalf("the investigator does not read the identity back: %s", got.Raw)
	}
	c.must(200, "GET", "/v1/offices/mumbai/survivors?"+url.Values{"filter": {"minor = false"}}.Encode(), nil)
	c.must(200, "GET", "/v1/offices/-/survivors", nil)
	upd := c.must(200, "PATCH", "/v1/"+name+"?update_mask=legal_name,family_contact,address", map[string]any{
		"legal_name": "Qqvarn Zyxwy", "family_contact": "+91 98765 43210 (aunt)", "address": "9 Zyxwy Road", "etag": str(got.Body, "etag")})
	dup := c.must(201, "POST", "/v1/offices/mumbai/survivors", withIdentity(op, "Heron"))
	c.must(200, "PATCH", "/v1/"+str(dup.Body, "name")+"?update_mask=legal_name", map[string]any{"legal_name": "ZYXWY  qqvarn"})
	c.must(200, "GET", "/v1/"+str(dup.Body, "name")+":findDuplicates", nil)
	c.as(mint(t, s, "meera", []string{auth.RoleSocialWorker}, "mumbai")).must(200, "GET", "/v1/"+name, nil)
	withheld := c.as(mint(t, s, "dev", []string{auth.RoleRegionalDirector}, "*")).must(200, "GET", "/v1/"+name, nil)
	if identityRE.Match(withheld.Raw) {
		t.Errorf("a regional director reads the identity: %s", withheld.Raw)
	}

	// Failures, with the identity in the request: none may echo it anywhere.
	bad := withIdentity(op, "Kestrel")
	bad["age_at_rescue"] = 300
	c.must(400, "POST", "/v1/offices/mumbai/survivors", bad)
	badEnum := withIdentity(op, "Kestrel")
	badEnum["gender"] = "Zyxwy Qqvarn"
	c.must(400, "POST", "/v1/offices/mumbai/survivors", badEnum)
	badType := withIdentity(op, "Kestrel")
	badType["legal_name"] = map[string]any{"first": "Zyxwy", "last": "Qqvarn"}
	c.must(400, "POST", "/v1/offices/mumbai/survivors", badType)
	c.must(409, "PATCH", "/v1/"+name+"?update_mask=legal_name", map[string]any{"legal_name": "Zyxwy Qqvarn", "etag": str(got.Body, "etag")})
	c.must(400, "GET", "/v1/offices/mumbai/survivors?"+url.Values{"filter": {`legal_name = "Zyxwy Qqvarn"`}}.Encode(), nil)
	c.as(mint(t, s, "tara", []string{auth.RoleTrainer}, "mumbai")).must(403, "PATCH", "/v1/"+name+"?update_mask=legal_name",
		map[string]any{"legal_name": "Zyxwy Qqvarn", "etag": str(upd.Body, "etag")})
	c.as(mint(t, s, "ravi", []string{auth.RoleInvestigator}, "kolkata")).must(404, "PATCH", "/v1/"+name+"?update_mask=legal_name",
		map[string]any{"legal_name": "Zyxwy Qqvarn"})
	c.as(mint(t, s, "otto", []string{auth.RoleOfficeDirector}, "mumbai")).must(200, "POST", "/v1/"+str(dup.Body, "name")+":eraseIdentity",
		map[string]any{"reason": "purpose served"})
	c.as(mint(t, s, "asha-auditor", []string{auth.RoleAuditor}, "mumbai")).must(200, "GET", "/v1/offices/mumbai/auditEntries", nil)

	// A prosecution flow on the same survivor: the case links her, she
	// testifies, she applies for compensation; reads, a social worker's
	// view, a refused link and bad input. Prosecution's database must hold
	// her resource name only.
	p := c.checking(noSurvivorIdentity)
	caseBodyLinked := caseBody(privacyFIR, name)
	caseBodyLinked["operations"] = []string{op}
	caseName := str(p.must(201, "POST", "/v1/offices/mumbai/cases", caseBodyLinked).Body, "name")
	p.must(200, "POST", "/v1/"+caseName+":advanceStage", map[string]any{"stage": "CASE_STAGE_COGNIZANCE", "effective_date": day(2025, 3, 15)})
	witness := str(p.must(201, "POST", "/v1/"+caseName+"/witnesses", map[string]any{"survivor": name}).Body, "name")
	p.must(201, "POST", "/v1/"+caseName+"/compensations", compensationBody(name, day(2025, 3, 20)))
	p.must(200, "GET", "/v1/"+caseName, nil)
	p.must(200, "GET", "/v1/offices/mumbai/cases/-/witnesses", nil)
	sw := p.as(mint(t, s, "meera", []string{auth.RoleSocialWorker}, "mumbai"))
	sw.must(200, "PATCH", "/v1/"+witness+"?update_mask=support_notes", map[string]any{"support_notes": "weekly call; doing well"})
	sw.must(403, "PATCH", "/v1/"+witness+"?update_mask=testimony_status", map[string]any{"testimony_status": "TESTIMONY_STATUS_RECORDED"})
	p.must(404, "POST", "/v1/"+caseName+":linkReference", map[string]any{"reference": "offices/mumbai/survivors/" + strings.Repeat("q", 20)})
	p.must(400, "POST", "/v1/"+caseName+":linkReference", map[string]any{"reference": "offices/mumbai/shelters/x"})
	// A name pasted where a reference belongs is not repeated anywhere.
	p.must(400, "POST", "/v1/"+caseName+":linkReference", map[string]any{"reference": "Zyxwy Qqvarn"})

	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}

	// The capture works: it saw the calls.
	logText := logs.String()
	if !strings.Contains(logText, `"route":"/v1/offices/{office}/survivors"`) || !strings.Contains(logText, "CreateSurvivor") {
		t.Fatalf("the log capture missed the calls:\n%s", logText)
	}
	recorded := spans.GetSpans()
	var edgeSpan, serviceSpan bool
	for _, sp := range recorded {
		edgeSpan = edgeSpan || sp.Name == "POST /v1/offices/{office}/survivors"
		serviceSpan = serviceSpan || sp.Name == strings.TrimPrefix(rescuev1.RescueService_CreateSurvivor_FullMethodName, "/")
	}
	if !edgeSpan || !serviceSpan {
		t.Fatalf("the span capture missed the edge or the service (%d spans)", len(recorded))
	}

	for i, line := range strings.Split(logText, "\n") {
		if loc := identityRE.FindStringIndex(line); loc != nil {
			t.Errorf("log line %d carries survivor identity %q: %s", i+1, line[loc[0]:loc[1]], line)
		}
	}
	for _, sp := range recorded {
		var b strings.Builder
		fmt.Fprintf(&b, "name=%s status=%s %s\n", sp.Name, sp.Status.Code, sp.Status.Description)
		for _, a := range sp.Attributes {
			fmt.Fprintf(&b, "attr %s=%s\n", a.Key, a.Value.Emit())
		}
		for _, e := range sp.Events {
			fmt.Fprintf(&b, "event %s\n", e.Name)
			for _, a := range e.Attributes {
				fmt.Fprintf(&b, "  event attr %s=%s\n", a.Key, a.Value.Emit())
			}
		}
		for _, l := range sp.Links {
			for _, a := range l.Attributes {
				fmt.Fprintf(&b, "link attr %s=%s\n", a.Key, a.Value.Emit())
			}
		}
		for _, a := range sp.Resource.Attributes() {
			fmt.Fprintf(&b, "resource %s=%s\n", a.Key, a.Value.Emit())
		}
		if loc := identityRE.FindStringIndex(b.String()); loc != nil {
			t.Errorf("span %q carries survivor identity %q:\n%s", sp.Name, b.String()[loc[0]:loc[1]], b.String())
		}
	}

	// The raw files: the store's SQLite files (with any journal), rescue's
	// and prosecution's, and the keys.
	scanned, pseudonymSeen, prosecutionSeen := 0, false, false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned++
		pseudonymSeen = pseudonymSeen || bytes.Contains(raw, []byte("Kestrel"))
		if strings.HasPrefix(filepath.Base(path), "prosecution") {
			prosecutionSeen = prosecutionSeen || bytes.Contains(raw, []byte(privacyFIR))
			if bytes.Contains(raw, []byte("Kestrel")) {
				t.Errorf("%s holds the survivor's pseudonym: prosecution stores her resource name only", path)
			}
		}
		if loc := identityRE.FindIndex(raw); loc != nil {
			t.Errorf("%s holds survivor identity in clear: %q", path, raw[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The pseudonym is stored in clear: the grep would have found a name.
	if scanned == 0 || !pseudonymSeen || !prosecutionSeen {
		t.Fatalf("scanned %d files; saw the clear pseudonym: %v; saw the case's FIR number in prosecution's database: %v; "+
			"the scan does not read the records", scanned, pseudonymSeen, prosecutionSeen)
	}
}

func TestErasureAndDuplicatesOverREST(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Stop()
	c := investigator(t, s)
	mumbaiOp, kolkataOp := seedOperation(c, "mumbai"), seedOperation(c, "kolkata")
	a := str(c.must(201, "POST", "/v1/offices/mumbai/survivors", withIdentity(mumbaiOp, "Asha")).Body, "name")
	sameKolkata := withIdentity(kolkataOp, "Bina")
	sameKolkata["legal_name"] = "  ZYXWY   qqvarn "
	b := str(c.must(201, "POST", "/v1/offices/kolkata/survivors", sameKolkata).Body, "name")
	other := withIdentity(mumbaiOp, "Chanda")
	other["legal_name"] = "Another Person"
	c.must(201, "POST", "/v1/offices/mumbai/survivors", other)

	duplicates := func(cl client, name string) []string {
		r := cl.must(200, "GET", "/v1/"+name+":findDuplicates", nil)
		var names []string
		list, _ := r.Body["possible_duplicates"].([]any)
		for _, d := range list {
			m := d.(map[string]any)
			if identityRE.MatchString(fmt.Sprint(m)) {
				t.Errorf("a duplicate reference carries identity: %v", m)
			}
			names = append(names, str(m, "name"))
		}
		return names
	}
	both := c.as(mint(t, s, "meera", []string{auth.RoleSocialWorker}, "mumbai", "kolkata"))
	if got := duplicates(both, a); len(got) != 1 || got[0] != b {
		t.Errorf("duplicates of %s across mumbai and kolkata: %v, want [%s]", a, got, b)
	}
	mumbaiOnly := c.as(mint(t, s, "nisha", []string{auth.RoleSocialWorker}, "mumbai"))
	if got := duplicates(mumbaiOnly, a); len(got) != 0 {
		t.Errorf("a mumbai social worker finds duplicates in kolkata: %v", got)
	}

	before := c.must(200, "GET", "/v1/"+mumbaiOp, nil).Body["survivors_rescued"]
	erased := c.as(mint(t, s, "otto", []string{auth.RoleOfficeDirector}, "mumbai")).must(200, "POST", "/v1/"+a+":eraseIdentity",
		map[string]any{"reason": "purpose served: case closed"})
	if erased.Body["identity_erase_time"] == nil || identityRE.Match(erased.Raw) {
		t.Errorf("erase response: %s", erased.Raw)
	}
	gets := 0
	for _, cl := range []client{c, both} {
		after := cl.must(200, "GET", "/v1/"+a, nil)
		gets++
		if identityRE.Match(after.Raw) || after.Body["identity_erase_time"] == nil || str(after.Body, "pseudonym") != "Asha" {
			t.Errorf("read after erasure: %s", after.Raw)
		}
	}
	if got := c.must(200, "GET", "/v1/"+mumbaiOp, nil).Body["survivors_rescued"]; got != before {
		t.Errorf("survivors_rescued %v after erasure, was %v", got, before)
	}
	if got := duplicates(both, b); len(got) != 0 {
		t.Errorf("an erased survivor is still found as a duplicate: %v", got)
	}

	// Each read and the erasure are in the audit log, with the caller.
	auditor := c.as(mint(t, s, "asha-auditor", []string{auth.RoleAuditor}, "mumbai"))
	count := func(action, subject string) int {
		q := url.Values{"filter": {fmt.Sprintf(`resource = %q AND action = %q AND subject = %q`, a, action, subject)}, "page_size": {"500"}}
		r := auditor.must(200, "GET", "/v1/offices/mumbai/auditEntries?"+q.Encode(), nil)
		list, _ := r.Body["audit_entries"].([]any)
		for _, e := range list {
			if m := e.(map[string]any); m["outcome"] != "OUTCOME_ALLOWED" || str(m, "code") != "OK" {
				t.Errorf("audit entry %v, want ALLOWED OK", m)
			}
		}
		return len(list)
	}
	if n := count(rescuev1.RescueService_EraseSurvivorIdentity_FullMethodName, "otto"); n != 1 {
		t.Errorf("%d audit entries for the erasure, want 1", n)
	}
	if n := count(rescuev1.RescueService_GetSurvivor_FullMethodName, "priya") + count(rescuev1.RescueService_GetSurvivor_FullMethodName, "meera"); n != gets {
		t.Errorf("%d audit entries for %d reads", n, gets)
	}
}

func TestRotatedKeysKeepOldRecordsReadable(t *testing.T) {
	dir := t.TempDir()
	s := startStack(t, dir)
	c := investigator(t, s)
	op := seedOperation(c, "mumbai")
	before := str(c.must(201, "POST", "/v1/offices/mumbai/survivors", withIdentity(op, "Before")).Body, "name")

	keys := (stack.Config{DataDir: dir}).Keys()
	keysetBefore, err := os.ReadFile(keys.OfficeKeysetPath("mumbai"))
	if err != nil {
		t.Fatalf("the mumbai keyset is not in DATA_DIR/keys: %v", err)
	}
	if err := fieldcrypt.Rotate(keys, "mumbai"); err != nil {
		t.Fatal(err)
	}
	if keysetAfter, _ := os.ReadFile(keys.OfficeKeysetPath("mumbai")); bytes.Equal(keysetBefore, keysetAfter) {
		t.Fatal("rotation did not change the keyset file")
	}
	if err := s.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	after := str(c.must(201, "POST", "/v1/offices/mumbai/survivors", withIdentity(op, "After")).Body, "name")
	check := func(c client) {
		for _, name := range []string{before, after} {
			if r := c.must(200, "GET", "/v1/"+name, nil); str(r.Body, "legal_name") != "Zyxwy Qqvarn" {
				t.Errorf("%s after rotation: %s", name, r.Raw)
			}
		}
	}
	check(c)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s2 := startStack(t, dir)
	defer s2.Stop()
	check(client{t: t, base: "http://" + s2.Addrs.HTTP, token: c.token})
}
