// Package domain holds the prosecution service's records and their rules:
// criminal cases arising from rescue operations, the people accused in them,
// the hearings prosecutors live by, the survivors who testify
// (victim-witnesses) and their applications for victim compensation.
//
// It knows nothing of gRPC, protobuf or BSON, and does no I/O. Times are
// passed in, and so is the office's time zone wherever a "today" decides a
// rule (a date may not lie in the future of the office's calendar). Calendar
// dates (record.Date) carry no zone at all: an FIR date is a day in court
// records, not an instant.
//
// The model owns:
//   - the stage machine of a case (case.go): forward moves with an
//     effective date, backwards moves only as audited corrections;
//   - the charges and the penal-code regime rule (charge.go): BNS replaced
//     IPC for offences on or after 2024-07-01; and the eCourts CNR (cnr.go);
//   - the custody machine, bail and the once-only verdict of an accused
//     (accused.go);
//   - the POCSO evidence deadline of a child witness (witness.go) and the
//     compensation scheme and lifecycle (compensation.go);
//   - what each record contributes to the cross-office metrics (metrics.go);
//   - the repository interfaces the application layer needs (repository.go).
//
// Survivors belong to the rescue service. A case names them by resource name
// only (offices/{office}/survivors/{survivor}) and never holds their identity;
// whether a name exists is the application layer's question to rescue.
//
// Errors are platform errs errors with stable reasons. Messages name records
// by resource name, say what is allowed instead, and never echo long free text.
package domain
