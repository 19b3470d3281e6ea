package store

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// bucketRecordings indexes the calls that have a recording by their
// Entered time, like calls_by_entered: the key alone says which call and
// when, so the index holds nothing the calls' sealing protects.
var bucketRecordings = []byte("recordings_by_entered")

// keyRecordingsIndexed (in meta) says how far the recordings index covers
// the calls saved before it existed (see indexOldRecordings): absent, not
// at all; indexedClear, every call but those sealed under a key not given
// yet; indexedAll, every call. Until it is indexedAll, Recordings reads the
// calls themselves too.
var keyRecordingsIndexed = []byte("recordings_indexed")

const (
	indexedClear = "clear"
	indexedAll   = "all"
)

// RecordingEntry is one recording with its call.
type RecordingEntry struct {
	Call    string    `json:"call"`
	Entered time.Time `json:"entered"`
	// N is the recording's number in its call: 1 for the first (GET
	// /api/v1/calls/ID/recording?n=N serves it).
	N     int    `json:"n"`
	Queue string `json:"queue,omitempty"`
	// Agent is the agent of the leg it recorded (the call's agent when the
	// record does not say), Leg that leg's number.
	Agent  string    `json:"agent,omitempty"`
	Leg    int       `json:"leg,omitempty"`
	Start  time.Time `json:"start,omitzero"`
	End    time.Time `json:"end,omitzero"`
	Name   string    `json:"name,omitempty"`
	Path   string    `json:"path,omitempty"` // as the switch reported it; "" until it finished, or failed
	Failed bool      `json:"failed,omitempty"`
	// Sealed: the call's record is sealed under a key this store was not
	// given, so Name and Path read empty.
	Sealed bool `json:"sealed,omitempty"`
}

// Recording is the entry's recording as its call's record has it.
func (e RecordingEntry) Recording() Recording {
	return Recording{Name: e.Name, Path: e.Path, Failed: e.Failed, Start: e.Start, End: e.End, Agent: e.Agent, Leg: e.Leg}
}

// recordingEntries lists rec's recordings as entries, in order. A record
// sealed under a key not given, from before its recordings were numbered,
// is one sealed entry.
func recordingEntries(rec *CallRecord) []RecordingEntry {
	sealed := rec.Sealed != nil
	all := rec.AllRecordings()
	if len(all) == 0 && sealed {
		all = []Recording{{}}
	}
	out := make([]RecordingEntry, 0, len(all))
	for i, r := range all {
		e := RecordingEntry{Call: rec.ID, Entered: rec.Entered, N: i + 1, Queue: rec.Queue, Agent: cmp.Or(r.Agent, rec.Agent),
			Leg: r.Leg, Start: r.Start, End: r.End, Name: r.Name, Path: r.Path, Failed: r.Failed, Sealed: sealed}
		out = append(out, e)
	}
	return out
}

// indexRecording keeps the recordings index in step with a saved call:
// an entry under key while the call names a recording, none under the
// previous key (oldKey) when the Entered time moved.
func indexRecording(tx *Tx, recorded bool, oldKey, key []byte) error {
	b := tx.btx.Bucket(bucketRecordings)
	if b == nil {
		return fmt.Errorf("store: %s: %w: bucket %q is missing", tx.path, ErrCorrupt, bucketRecordings)
	}
	if oldKey != nil && !bytes.Equal(oldKey, key) {
		if err := b.Delete(oldKey); err != nil {
			return err
		}
	}
	if !recorded {
		return b.Delete(key)
	}
	return b.Put(key, []byte{})
}

// recordingsIndexed is how far the index covers older calls.
func (tx *Tx) recordingsIndexed() string {
	if meta := tx.btx.Bucket(bucketMeta); meta != nil {
		return string(meta.Get(keyRecordingsIndexed))
	}
	return ""
}

// OldRecordings is what indexOldRecordings did.
type OldRecordings struct {
	Added int // calls indexed now
	// Unjudged counts the calls sealed under a key not given: whether they
	// have a recording is known once SealCalls gives it.
	Unjudged int
	// Damaged names the call records that cannot be read (DecodeError):
	// their recordings, if any, are not listed until repaired.
	Damaged []*DecodeError
}

// indexOldRecordings adds to the recordings index the calls saved before
// it existed (or by a Hotline that did not keep it) that have a recording,
// and notes how far that went. It only adds: running it again changes
// nothing.
func (tx *Tx) indexOldRecordings() (res OldRecordings, err error) {
	defer tx.recoverCorrupt(&err)
	calls, err := tx.bucket(bucketCalls)
	if err != nil {
		return res, err
	}
	index, err := tx.bucket(bucketRecordings)
	if err != nil {
		return res, err
	}
	var ids []string
	if err := calls.ForEach(func(k, _ []byte) error { ids = append(ids, string(k)); return nil }); err != nil {
		return res, err
	}
	for _, id := range ids {
		rec, err := tx.Call(id)
		var de *DecodeError
		switch {
		case errors.As(err, &de):
			res.Damaged = append(res.Damaged, de)
			continue
		case err != nil:
			return res, err
		case rec.Sealed != nil && !rec.recorded():
			// Read without its key: its recording's name, if any, is sealed.
			if index.Get(indexKey(rec.Entered, rec.ID)) == nil {
				res.Unjudged++
			}
			continue
		case !rec.recorded():
			continue
		}
		if key := indexKey(rec.Entered, rec.ID); index.Get(key) == nil {
			if err := index.Put(key, []byte{}); err != nil {
				return res, fmt.Errorf("store: index recording of call %q: %w", id, err)
			}
			res.Added++
		}
	}
	mark := indexedAll
	if res.Unjudged > 0 {
		mark = indexedClear
	}
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return res, err
	}
	return res, meta.Put(keyRecordingsIndexed, []byte(mark))
}

// indexOldRecordings runs Tx.indexOldRecordings unless the index covers
// every call already, and logs what it did, each damaged record by name.
func (db *DB) indexOldRecordings() {
	var done bool
	if err := db.View(func(tx *Tx) error { done = tx.recordingsIndexed() == indexedAll; return nil }); err != nil || done {
		return
	}
	var res OldRecordings
	err := db.Apply(func(tx *Tx) (err error) {
		if tx.recordingsIndexed() == indexedAll {
			return nil
		}
		res, err = tx.indexOldRecordings()
		return err
	})
	if err != nil {
		db.log.Error().Err(err).Msg("recordings index: calls saved before it could not be indexed; recordings lists read the calls")
		return
	}
	for _, de := range res.Damaged {
		db.log.Warn().Str("call", de.Key).Err(de.Err).Msg("recordings index: call record cannot be read; its recordings are not listed (hotline store check names it)")
	}
	if res.Added > 0 {
		db.log.Info().Int("calls", res.Added).Msg("recordings index: recordings of calls saved before it indexed")
	}
	if res.Unjudged > 0 {
		db.log.Info().Int("calls", res.Unjudged).Msg("recordings index: sealed calls are indexed once their key is given")
	}
}

// Recordings lists the recordings of the calls that entered in [from, to)
// (a zero to: no end), oldest first, each call's in order, read from the
// calls' records. A call whose record is gone is left out; one that cannot
// be read is left out and named in err (see Skipped). Until the index
// covers the calls saved before it (see indexOldRecordings; a read-only
// open does not index), the calls are read too.
func (db *DB) Recordings(from, to time.Time) (out []RecordingEntry, err error) {
	var bad []error
	err = db.View(func(tx *Tx) error {
		index := tx.btx.Bucket(bucketRecordings)
		scan := index
		if tx.recordingsIndexed() != indexedAll {
			scan = tx.btx.Bucket(bucketCallIndex)
		}
		if scan == nil {
			return nil
		}
		c := scan.Cursor()
		for k, _ := c.Seek(timeKey(from)); k != nil; k, _ = c.Next() {
			if len(k) < 8 {
				continue
			}
			if at := time.Unix(0, keyNanos(k)); !to.IsZero() && !at.Before(to) {
				break
			}
			rec, err := tx.Call(string(k[8:]))
			var de *DecodeError
			switch {
			case errors.Is(err, ErrNotFound):
				continue
			case errors.As(err, &de):
				bad = append(bad, err)
				continue
			case err != nil:
				return err
			case rec.Entered.UnixNano() != keyNanos(k):
				continue // a stale key: the call's Entered moved
			}
			indexed := index != nil && index.Get(k) != nil
			if !rec.recorded() && !(indexed && rec.Sealed != nil) {
				continue
			}
			out = append(out, recordingEntries(rec)...)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	return out, errors.Join(bad...)
}

// File is where a recording's file is on this machine: below dir by the
// recording's name and the extension the switch wrote, or the path the
// switch reported when dir is "". A recording that failed, has not
// finished, or whose reported path is not a file here is ErrNotFound.
func (r Recording) File(dir string) (string, error) {
	switch {
	case r.Failed:
		return "", fmt.Errorf("the recording failed, there is no file: %w", ErrNotFound)
	case r.Path == "":
		return "", fmt.Errorf("no recording file (none, or not finished yet): %w", ErrNotFound)
	case dir == "":
		if !filepath.IsAbs(r.Path) {
			return "", fmt.Errorf("recording %q is not a file here; set recordings.dir: %w", r.Path, ErrNotFound)
		}
		return r.Path, nil
	}
	if err := pbx.CheckRecordingName(r.Name); err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.FromSlash(r.Name)+path.Ext(r.Path)), nil
}
