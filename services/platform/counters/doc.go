// Package counters keeps pre-aggregated metric counters (office x metric x
// month) that services update as their records change, so that metrics are
// read from a few counter documents and never from a scan of the records.
//
// The counters are exact under retries, duplicated requests and crashes,
// without multi-document transactions (FerretDB v1 has none): a crash
// between writing a record and updating the counters leaves them wrong
// only until the next Repair, and a recount from the records (Recount,
// Rebuild) is always possible and equals the counters.
//
// # Model
//
// A record's contribution is a set of cells (office, metric, month, delta)
// computed by a pure function of the record, Source.Contribute, e.g. +1
// survivors_rescued in the rescue month and +1 minors_rescued if the
// survivor is a minor. Cells carry the office, so a record moved to
// another office moves its contribution. The counters equal the sum of
// the contributions of all records.
//
// # Record side: the intent is written with the record
//
// Each tracked record carries a State in its own document (field
// "counters" by default): Counted, the contribution the counters reflect,
// and Pending, the changes not yet applied, each with an id and the
// record's whole new contribution. The service changes the State in the
// same single-document write that changes the record, so the record and
// its intent are atomic:
//
//	// create
//	doc.Counters, err = tracker.Mark(counters.State{}, doc)
//	insert(doc)
//	err = tracker.Apply(ctx, doc.ID) // log a failure; Repair retries
//
//	// update, inside the service's load-change-replace under its record lock
//	next.Counters, err = tracker.Mark(cur.Counters, next)
//	replace(next)
//	// after releasing the lock:
//	err = tracker.Apply(ctx, id)
//
//	// delete: write the intent instead of deleting; Apply deletes
//	cur.Counters, err = cur.Counters.Delete()
//	replace(cur)
//	err = tracker.Apply(ctx, id)
//
// A record whose delete is pending must be treated as absent: reads add
// tracker.NotDeleted() to their filters (and Get checks State.Deleted). A
// change that does not alter the contribution adds no pending change.
//
// # Counter side: idempotent per change
//
// Counters are stored one document per generation, office and metric
// ("series"), holding the values of all months: {_id: "gen|office|metric",
// gen, office, metric, months: {"2025-03": 12, ...}, seq, applied: [...]}.
// (One document per month, as first designed, would make a query of all
// offices and all time read offices x metrics x months documents;
// FerretDB on SQLite decodes every document it reads, so that costs about
// a millisecond per 10 documents. A series holds the same values in
// metrics x offices documents.)
//
// Apply processes a record's pending changes oldest first. For a change it
// adds Diff(Counted, change cells) to the series documents, each with a
// compare-and-swap on seq that also appends the change id to applied, and
// skips a series document that already lists the id: a replay adds
// nothing. Then it settles the record (Counted = the change's cells, the
// change leaves Pending; a delete deletes the document) with a filter that
// matches only the state it read, and finally removes the id from the
// series documents. Removing it is safe because the record no longer lists
// the change, and Apply holds the record's lock (Source.Locks, shared
// with the service's own writes) for the whole change, so no other Apply
// of this process can hold a copy that still lists it. Thus applied only
// holds changes in flight and stays near empty, which keeps the documents
// Query reads small. MaxApplied caps what a crash between settling and
// removing can leave behind.
//
// FerretDB v1 runs a filtered update as a read followed by a write, so its
// compare-and-swaps are serialised in-process with mongostore.WriteLocks
// (per series document, and per record through Source.Locks); on MongoDB
// the filters are atomic as well.
//
// # Repair, Recount, Rebuild, Query
//
// Repair re-applies every record's pending changes; run it at start-up
// before serving and periodically. Recount sums Source.Contribute over the
// records. Rebuild replaces the counters with the recount in a new
// generation and switches readers to it in one write (see Rebuild). Query
// reads the generation document and that generation's series documents
// only.
//
// # Limits
//
//   - The guarantees assume one process writes the database (the embedded
//     store's case) or, on MongoDB with several processes, that Repair runs
//     with a minimum age longer than any request and Rebuild runs while the
//     other processes are drained: the record locks are in-process.
//   - Contribute must be deterministic and match what the service passes to
//     Set (Mark ensures that); after changing it, run Rebuild.
//   - A record has at most 1000 pending changes; Apply after every write
//     keeps it at one.
//   - Counters are int64 and may go negative only if records were removed
//     behind the package's back; Rebuild repairs that.
package counters
