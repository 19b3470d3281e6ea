package store

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
)

// RepairReport says what Repair copied and what it could not.
type RepairReport struct {
	// Check is the structure check of the damaged file: its problems are
	// the pages whose records could not be read.
	Check *Report
	// Copied counts the records written to the new file, by bucket.
	Copied map[string]int
	// Unreadable names the records found but left out (bucket/key: why).
	Unreadable []string
	// LostCalls are calls whose index entry survives but whose record does
	// not: it was on a damaged page or is unreadable.
	LostCalls []string
	// Schema is the schema version written to the new file; SchemaGuessed
	// is true when the old file's was lost and CurrentSchema was assumed.
	Schema        int
	SchemaGuessed bool
}

// Repair copies every record that can be read from the store file at src
// into a new store file at dst, which must not exist. src is only read. The
// call index of the new file is rebuilt from the records copied, so a
// damaged index loses nothing. It fails with ErrLocked while a Hotline has
// src open.
func Repair(src, dst string) (*RepairReport, error) {
	f, err := openIdle(src, "stop Hotline first")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	found := map[string][][2][]byte{}
	check, err := checkFile(f, src, func(bucket []string, k, v []byte) {
		if len(bucket) == 1 {
			found[bucket[0]] = append(found[bucket[0]], [2][]byte{slices.Clone(k), slices.Clone(v)})
		}
	})
	if err != nil {
		return nil, err
	}
	out, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: repair into %s: %w", dst, err)
	}
	out.Close()
	rep := &RepairReport{Check: check, Copied: map[string]int{}}
	if err := rep.write(dst, found); err != nil {
		_ = os.Remove(dst)
		return nil, err
	}
	// The new file must pass what every open checks.
	db, err := Open(dst, Options{Verify: true, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: the repaired file %s does not open: %w", dst, err)
	}
	return rep, db.Close()
}

// repairDecoders check that a record of each known bucket decodes.
var repairDecoders = map[string]func(k, v []byte) error{
	string(bucketCalls):     func(k, v []byte) error { _, err := decode[CallRecord](bucketCalls, k, v); return err },
	string(bucketAgents):    func(k, v []byte) error { _, err := decode[AgentState](bucketAgents, k, v); return err },
	string(bucketCallbacks): func(k, v []byte) error { _, err := decode[Callback](bucketCallbacks, k, v); return err },
	string(bucketActive):    func(k, v []byte) error { _, err := decode[ActiveCall](bucketActive, k, v); return err },
}

func (rep *RepairReport) write(dst string, found map[string][][2][]byte) error {
	bdb, err := bbolt.Open(dst, 0o600, &bbolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return fmt.Errorf("store: %s: %w", dst, err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		rep.Schema, rep.SchemaGuessed = CurrentSchema, true
		for _, kv := range found[string(bucketMeta)] {
			if string(kv[0]) == string(keySchema) {
				if v, err := strconv.Atoi(string(kv[1])); err == nil {
					rep.Schema, rep.SchemaGuessed = v, false
				}
			}
		}
		if err := tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(rep.Schema))); err != nil {
			return err
		}
		copied := map[string]bool{}
		for name, kvs := range found {
			if name == string(bucketMeta) || name == string(bucketCallIndex) {
				continue
			}
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return fmt.Errorf("bucket %q: %w", name, err)
			}
			for _, kv := range kvs {
				if dec := repairDecoders[name]; dec != nil {
					if err := dec(kv[0], kv[1]); err != nil {
						rep.Unreadable = append(rep.Unreadable, fmt.Sprintf("%s/%s: %v", name, kv[0], err))
						continue
					}
				}
				if err := b.Put(kv[0], kv[1]); err != nil {
					return fmt.Errorf("bucket %q key %q: %w", name, kv[0], err)
				}
				rep.Copied[name]++
				if name == string(bucketCalls) {
					copied[string(kv[0])] = true
					if err := reindex(tx, kv[0], kv[1]); err != nil {
						return err
					}
				}
			}
		}
		for _, kv := range found[string(bucketCallIndex)] {
			if id := string(kv[0][min(8, len(kv[0])):]); !copied[id] {
				rep.LostCalls = append(rep.LostCalls, id)
			}
		}
		return nil
	})
	if err == nil {
		err = bdb.Sync()
	}
	if cerr := bdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: writing %s: %w", dst, err)
	}
	slices.Sort(rep.Unreadable)
	slices.Sort(rep.LostCalls)
	rep.LostCalls = slices.Compact(rep.LostCalls)
	return nil
}

// reindex adds the index entry of a copied call record.
func reindex(tx *bbolt.Tx, id, data []byte) error {
	var rec struct {
		Entered time.Time `json:"entered"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return fmt.Errorf("call %q: %w", id, err)
	}
	return tx.Bucket(bucketCallIndex).Put(indexKey(rec.Entered, string(id)), []byte{})
}
