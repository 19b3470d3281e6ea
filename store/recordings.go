package store

import (
	"bytes"
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

// RecordingEntry is one recording with its call.
type RecordingEntry struct {
	Call    string    `json:"call"`
	Entered time.Time `json:"entered"`
	Queue   string    `json:"queue,omitempty"`
	Agent   string    `json:"agent,omitempty"`
	Name    string    `json:"name,omitempty"`
	Path    string    `json:"path,omitempty"` // as the switch reported it; "" until it finished, or failed
	Failed  bool      `json:"failed,omitempty"`
	// Sealed: the call's record is sealed under a key this store was not
	// given, so Name and Path read empty.
	Sealed bool `json:"sealed,omitempty"`
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

// Recordings lists the recordings of the calls that entered in [from, to)
// (a zero to: no end), oldest first, each read from its call's record.
// A call whose record is gone is left out.
func (db *DB) Recordings(from, to time.Time) (out []RecordingEntry, err error) {
	err = db.View(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketRecordings)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.Seek(timeKey(from)); k != nil; k, _ = c.Next() {
			if len(k) < 8 {
				continue
			}
			if at := time.Unix(0, keyNanos(k)); !to.IsZero() && !at.Before(to) {
				break
			}
			rec, err := tx.Call(string(k[8:]))
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					continue
				}
				return err
			}
			sealed := rec.Sealed != nil
			if rec.Recording == (Recording{}) && !sealed {
				continue
			}
			out = append(out, RecordingEntry{Call: rec.ID, Entered: rec.Entered, Queue: rec.Queue, Agent: rec.Agent,
				Name: rec.Recording.Name, Path: rec.Recording.Path, Failed: rec.Recording.Failed, Sealed: sealed})
		}
		return nil
	})
	return out, err
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
