// Package docstore is the repository logic every service's MongoDB adapter
// shares: a Collection stores the records of one kind, each as one
// document, converted to and from the service's domain type by a Mapping.
// A repository embeds (or holds) a Collection and adds the queries of its
// own with the Count, CountBy, FindOne and Find helpers.
//
//	locations := docstore.New(db.Collection("locations"), codec, docstore.Mapping[domain.Location, locationDoc]{
//		Kind: "location", Collection: "locations",
//		ToDoc: docstore.Infallible(toLocationDoc), FromDoc: docstore.Infallible(fromLocationDoc),
//		Meta: func(l *domain.Location) *record.Meta { return &l.Meta },
//		List: locationSpec,
//	})
//
// Records that sit under a parent record of the same office (a case's
// hearings: offices/{office}/cases/{case}/hearings/{id}) are stored by
// Children (NewChildren), which reads them by office, parent and id, names
// them by their full resource name in errors, and lists the records under
// one parent or, with AllParents, under every parent of an office.
// Collection.ListWhere serves lists beyond a collection's plain List (a
// date range with its own order); Collection.GetMany reads several records
// of an office by id at once.
//
// # Office scope
//
// Every query carries the caller's office scope in its filter ({office:
// {$in: scope}}, with the record's own office for a read by name), so a
// record of an office the caller does not hold is never read, not even to
// be refused: it is NOT_FOUND with the message of an absent one. With a
// sharded cluster every query is targeted.
//
// # Optimistic concurrency
//
// Changes use optimistic concurrency: a document's version must still be
// the one loaded for a replace or delete to apply. Only single-document
// writes and the aggregation stages FerretDB v1 supports ($match, $group)
// are used.
//
// FerretDB v1 runs a filtered update or delete as a query followed by a
// write by _id, so its version filter alone is not a compare-and-swap: two
// writers that loaded the same version could both succeed. A Collection
// therefore also serialises the load-change-store of each record within the
// process (mongostore.WriteLocks, key office/id). On MongoDB the filter is
// atomic and the lock only saves a lost race; on the embedded FerretDB,
// which serves one process, it is what makes "exactly one of two writers
// with the same etag wins" true. Update retries a lost race with the fresh
// record (UpdateAttempts times), so an etag check or a lifecycle rule in the
// update function is judged against what is stored.
//
// # Metric counters
//
// A Collection whose records feed the pre-aggregated metric counters
// (package counters) is tracked (Collection.Track): each of its documents
// carries its counters bookkeeping (a counters.State under the field
// counters.DefaultField). Every write of one computes the record's
// contribution (Tracking.Cells) and, when it changed, stores a pending
// change with the record in the same single-document write, under the
// record's lock; once the lock is released the change is applied to the
// counters (Counters.ApplyPending, which takes the same lock). A failed
// apply is logged there and the request still succeeds: the change stays
// pending with the record until a repair applies it, so a crash between the
// write and the apply costs nothing but a repair pass.
//
// A tracked record is deleted by writing a pending delete, which the apply
// carries out after subtracting its contribution; until then every read of
// the Collection treats the record as absent (counters.Tracker.NotDeleted is
// part of every filter of a tracked collection).
//
// # Documents
//
// Documents are bson structs of the service's adapter, kept apart from the
// domain types. They embed MetaFields inline (_id, office, audit fields,
// version) and store status trails as TransitionDoc, optional times with
// OptionalTime and calendar dates as "YYYY-MM-DD" strings (OptionalDate),
// which sort and range-filter as the dates do.
package docstore
