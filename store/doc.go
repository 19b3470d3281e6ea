/*
Package store keeps Hotline's records in one bbolt file: call records, agent
state that survives a restart, queue callback requests and the state of live
calls the engine needs to resume after a crash.

# Basics

Open the file once per process; the DB is safe for concurrent use.

	db, err := store.Open("/var/lib/hotline/hotline.db", store.Options{Logger: log})
	if err != nil {
		return err // ErrLocked, ErrCorrupt, ErrNotStore, ErrSchema or an OS error
	}
	defer db.Close()

Every write commits with fsync before it returns. The engine does not wait
for that: it submits Ops (copies of the records) to a Writer, which commits
everything queued so far in one transaction from a goroutine of its own
(group commit), in submission order, and reports the newest durable
sequence number through Saved; the engine counts a call done only then:

	w := store.NewWriter(db, store.WriterOptions{Logger: log})
	w.Start()
	seq, err := w.Submit(store.PutCall(rec), store.DeleteActive(rec.ID))
	...
	err = w.Close(ctx) // commits what is queued

A failed commit stays queued and is retried (Failing, Failures). Group writes that belong together in one
transaction with Apply; FinishCall is the common case (final record saved,
live state deleted, agent state saved, all or nothing):

	err := db.Apply(func(tx *store.Tx) error {
		if err := tx.SaveCall(rec); err != nil {
			return err
		}
		return tx.DeleteActive(rec.ID)
	})

Calls lists records in Entered order through a range scan of an index:

	for c, err := range db.Calls(store.Filter{From: day, To: day.AddDate(0, 0, 1), Queue: "sales"}) {
		...
	}

Records are JSON inside bbolt. IDs come from the engine and must be unique
across restarts; saving a record with an existing ID replaces it.

# Buckets

	meta              "schema" -> schema version, decimal ASCII ("1")
	calls             call ID -> CallRecord JSON
	calls_by_entered  8-byte Entered (Unix ns, sign bit flipped, big endian) + call ID -> empty
	recordings_by_entered  the same key, for the calls that have a recording -> empty
	agents            agent ID -> AgentState JSON
	callbacks         callback ID -> Callback JSON
	active            call ID -> ActiveCall JSON
	agent_changes     8-byte At (as above) + 8-byte sequence + agent ID -> AgentChange JSON
	campaigns         campaign name -> campaign.Progress JSON (run state, counts)
	campaign_hours    campaign name + NUL + 8-byte hour start (as above) -> campaign.HourCount JSON
	campaign_learned  campaign name -> campaign.Learned JSON (what its pacer learned, last saved)
	calls_by_number   keyed hash of the customer's number (32 bytes) + the calls_by_entered key -> empty
	contacts, contacts_by_phone, contact_calls, audit: see contacts.go
	tasks             task ID -> contact.Task JSON (callback tasks of missed calls)
	leads, leads_by_phone, lead_seq, lead_imports: see leads.go and leadimport.go
	leads_due         campaign + NUL + 8-byte next attempt (as above) + 8-byte import sequence + lead id -> empty (see leadsdue.go)
	lead_counts       campaign + NUL + what is counted -> 8-byte count (see leadcounts.go)
	leads_at_restart  campaign + NUL + lead id -> empty: the leads a restart reads, in flight or waiting for a callback (see leadsrestart.go)

The index key sorts by time, then ID, so a time range is one cursor scan.
Filters on queue, agent, outcome and direction are applied to the records
the range yields.

# Sealing

With a key (SealCalls), a call record's personal fields (numbers, caller
name, notes, recording name and path, the details of timeline steps reports
do not read, transfer legs' numbers) are stored sealed in its "sealed"
field, as are a live call's IVR variables and recording and a callback
request's number; the figures stay in clear, so reports read a store without
the key. A record read without the key keeps "sealed" and the fields read
empty; a save keeps it. Records written in clear before there was a key are
read as they are; ResealCalls seals them, and re-seals under a new key.

The schema version changes only when this layout or a key encoding changes;
fields added to a record type need no change, as old records decode with
them zero. Open migrates an older store in one transaction (a failed
migration leaves the file as it was) and refuses a newer one.

# Caveats

A bbolt file has one writer process: a second Hotline (or `bbolt` tool) on
the same file waits Options.LockTimeout and fails with ErrLocked. A
read-only open takes a shared lock and still conflicts with a running
daemon; ask the daemon instead.

Every commit pays an fsync (see the benchmarks); batch related writes with
Apply rather than writing one record per transaction.

Damage is reported, not repaired in place. Open checks the file's
structure before bbolt reads it (Check: every page reachable from the meta
page read once, with a visited set, so the work is bounded by the file's
size whatever its bytes) and refuses damage with ErrCorrupt; with
Options.Verify it also reads every value through bbolt. bbolt's panics and
memory faults on damaged pages are turned into ErrCorrupt; after such a
panic at open, bbolt's memory mapping of the file stays until the process
exits. Repair copies what is readable into a new file. A record that fails to decode is reported as a DecodeError
naming its bucket and key, the others are still listed, and the bad record
stays in the file.

The file only grows: bbolt reuses freed pages but never shrinks the file.
Compact (hotline store compact) writes the live records into a new file,
which reclaims that space and leaves out old versions of values.
*/
package store
