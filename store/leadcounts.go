package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// A campaign's leads are counted as they change, in the transaction that
// changes them, so its page reads a few counters rather than every lead.
// lead_counts holds, under campaign NUL:
//
//	's' + state byte  the leads in that state
//	'a'               the leads with survey answers
//	'k' + reason      the preview skips of the leads under that reason
//	                  ("" none given; see campaign.Lead.Skips)
//	'd' + minute      the dialable leads whose next attempt falls in that
//	                  minute (8 bytes, encoded as timeKey)
//	'p' + any of the above: the same for the campaign's import under way,
//	                  added to the others when it commits, dropped with it
//	                  when it is rolled back
//
// each an 8-byte big-endian count; a count of zero is no key. The leads
// due now are the 'd' counts of the minutes before this one, plus this
// minute's leads read from the due index: O(states + minutes with leads
// due) whatever the campaign's size. A store from before the counts has
// no lead_counts bucket: a read-write open fills it from the leads in the
// open's transaction, and `hotline store repair` fills the new file's.
var bucketLeadCounts = []byte("lead_counts")

const (
	countAnswered = 'a'
	countDue      = 'd'
	countPending  = 'p'
	countSkips    = 'k'
	countState    = 's'
)

// minuteNanos is the width of a due count's time slot.
const minuteNanos = int64(time.Minute)

// dueMinute is the start of the minute holding t, as a due index key's
// time is encoded (the same ordering, so the two can be compared).
func dueMinute(t time.Time) []byte {
	n := t.UnixNano()
	m := n - (n%minuteNanos+minuteNanos)%minuteNanos
	if m > n { // below the int64 range: the first slot holds it
		m = math.MinInt64
	}
	return binary.BigEndian.AppendUint64(nil, uint64(m)^(1<<63))
}

// tally is changes to counts, by lead_counts key.
type tally map[string]int64

// add counts l n times (n = -1 takes it off) under campaign camp, among
// the pending import's counts if pending.
func (t tally) add(camp string, l *campaign.Lead, pending bool, n int64) {
	for _, c := range leadCountKeys(camp, l, pending) {
		t[string(c.key)] += n * c.n
	}
}

// countName says which count a lead_counts key holds, for errors.
func countName(k []byte) string {
	camp, what := countKey(k)
	return fmt.Sprintf("campaign %q: %s", camp, what)
}

// countKey splits a lead_counts key into its campaign and what it counts.
func countKey(k []byte) (camp, what string) {
	c, rest, _ := bytes.Cut(k, []byte{0})
	if len(rest) > 0 && rest[0] == countPending {
		what, rest = "pending import's ", rest[1:]
	}
	switch {
	case len(rest) == 2 && rest[0] == countState:
		what += "leads " + campaign.LeadState(rest[1]).String()
	case len(rest) == 1 && rest[0] == countAnswered:
		what += "leads answered"
	case len(rest) == 1 && rest[0] == countSkips:
		what += "skips with no reason"
	case len(rest) > 1 && rest[0] == countSkips:
		what += fmt.Sprintf("skips for %q", rest[1:])
	case len(rest) == 9 && rest[0] == countDue && bytes.Equal(rest[1:], dueMinute(time.Time{})):
		what += "leads due with no set time"
	case len(rest) == 9 && rest[0] == countDue:
		what += "leads due at " + time.Unix(0, keyNanos(rest[1:])).UTC().Format(time.RFC3339)
	default:
		what += fmt.Sprintf("count %q", rest)
	}
	return string(c), what
}

// errCountsHint says what to do about damaged counts.
const errCountsHint = "the lead counts are damaged; hotline store repair rebuilds them from the leads"

// countValue reads one count.
func countValue(k, v []byte) (int64, error) {
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 || v[0]&0x80 != 0 {
		camp, what := countKey(k)
		return 0, &DecodeError{Bucket: string(bucketLeadCounts), Key: camp + "/" + what, Err: fmt.Errorf("%d bytes %x, not a count; %s", len(v), v, errCountsHint)}
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// apply adds the changes to the counts in b.
func (t tally) apply(b *bbolt.Bucket) error {
	for _, k := range slices.Sorted(maps.Keys(t)) {
		if err := addCount(b, []byte(k), t[k]); err != nil {
			return err
		}
	}
	return nil
}

// addCount adds d to the count under key.
func addCount(b *bbolt.Bucket, key []byte, d int64) error {
	if d == 0 {
		return nil
	}
	cur, err := countValue(key, b.Get(key))
	if err != nil {
		return err
	}
	n := cur + d
	switch {
	case n < 0:
		return fmt.Errorf("store: %s: %d%+d is below zero: %w: %s", countName(key), cur, d, ErrCorrupt, errCountsHint)
	case n == 0:
		err = b.Delete(key)
	default:
		err = b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(n)))
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", countName(key), err)
	}
	return nil
}

// countLead moves l's counts from prev (nil: a new lead) to l, in the same
// transaction as the lead's save. Saves are the engine's most frequent
// lead write, so this one does without tally's map; counts both hold
// cancel.
func (tx *Tx) countLead(prev, l *campaign.Lead) error {
	b, err := tx.bucket(bucketLeadCounts)
	if err != nil {
		return err
	}
	pending := tx.pendingLeads(l.Campaign)
	p := pending != nil && pending(l.ID)
	changes := make([]leadCount, 0, 8) // a lead's usual counts, twice
	add := func(lead *campaign.Lead, sign int64) {
		for _, c := range leadCountKeys(l.Campaign, lead, p) {
			i := slices.IndexFunc(changes, func(have leadCount) bool { return bytes.Equal(have.key, c.key) })
			if i < 0 {
				i, changes = len(changes), append(changes, leadCount{key: c.key})
			}
			changes[i].n += sign * c.n
		}
	}
	if prev != nil {
		add(prev, -1)
	}
	add(l, 1)
	for _, c := range changes {
		if err := addCount(b, c.key, c.n); err != nil {
			return err
		}
	}
	return nil
}

// leadCount is a lead_counts key and how much a lead adds to it.
type leadCount struct {
	key []byte
	n   int64
}

// leadCountKeys are the keys of the counts l is among, with what it adds
// to each: one, but its skips under each reason.
func leadCountKeys(camp string, l *campaign.Lead, pending bool) []leadCount {
	p := []byte(camp + "\x00")
	if pending {
		p = append(p, countPending)
	}
	keys := make([]leadCount, 0, 3+len(l.Skips))
	keys = append(keys, leadCount{append(slices.Clip(p), countState, byte(l.State)), 1})
	if len(l.Answers) > 0 {
		keys = append(keys, leadCount{append(slices.Clip(p), countAnswered), 1})
	}
	if l.State.Dialable() {
		keys = append(keys, leadCount{append(append(slices.Clip(p), countDue), dueMinute(l.NextAttempt)...), 1})
	}
	for _, why := range slices.Sorted(maps.Keys(l.Skips)) {
		if n := l.Skips[why]; n > 0 {
			keys = append(keys, leadCount{append(append(slices.Clip(p), countSkips), why...), int64(n)})
		}
	}
	return keys
}

// settlePendingCounts ends camp's pending counts: added to the campaign's
// (the import committed) or dropped (rolled back).
func (tx *Tx) settlePendingCounts(camp string, keep bool) error {
	b, err := tx.bucket(bucketLeadCounts)
	if err != nil {
		return err
	}
	prefix := []byte(camp + "\x00" + string(countPending))
	t := tally{}
	var drop [][]byte
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		n, err := countValue(k, v)
		if err != nil {
			return err
		}
		t[camp+"\x00"+string(k[len(prefix):])] += n
		drop = append(drop, bytes.Clone(k))
	}
	for _, k := range drop {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("store: %s: %w", countName(k), err)
		}
	}
	if !keep {
		return nil
	}
	return t.apply(b)
}

// LeadCounts counts a campaign's leads as they stand at now (the leads of
// an import under way left out), from the counts kept as leads change. A
// store opened read-only from before the counts or the due index is read
// lead by lead.
func (db *DB) LeadCounts(camp string, now time.Time) (c campaign.LeadCounts, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		if b := tx.btx.Bucket(bucketLeadCounts); b != nil && tx.btx.Bucket(bucketLeadDue) != nil {
			c, err = tx.leadCounts(b, camp, now)
			return err
		}
		c = campaign.LeadCounts{States: map[campaign.LeadState]int{}}
		return tx.eachLead(camp, func(_ []byte, l campaign.Lead) bool { c.Count(l, now); return true })
	})
	return c, err
}

func (tx *Tx) leadCounts(b *bbolt.Bucket, camp string, now time.Time) (campaign.LeadCounts, error) {
	out := campaign.LeadCounts{States: map[campaign.LeadState]int{}}
	prefix := []byte(camp + "\x00")
	c := b.Cursor()
	states := append(bytes.Clone(prefix), countState)
	for k, v := c.Seek(states); k != nil && bytes.HasPrefix(k, states); k, v = c.Next() {
		n, err := countValue(k, v)
		if err != nil {
			return out, err
		}
		s := campaign.LeadState(k[len(states)])
		if len(k) != len(states)+1 || !known(s) {
			camp, what := countKey(k)
			return out, &DecodeError{Bucket: string(bucketLeadCounts), Key: camp + "/" + what, Err: fmt.Errorf("no such lead state; %s", errCountsHint)}
		}
		out.States[s] = int(n)
		out.Total += int(n)
	}
	answered := append(bytes.Clone(prefix), countAnswered)
	n, err := countValue(answered, b.Get(answered))
	if err != nil {
		return out, err
	}
	out.Answered = int(n)
	skips := append(bytes.Clone(prefix), countSkips)
	for k, v := c.Seek(skips); k != nil && bytes.HasPrefix(k, skips); k, v = c.Next() {
		n, err := countValue(k, v)
		if err != nil {
			return out, err
		}
		if out.Skips == nil {
			out.Skips = map[string]int{}
		}
		out.Skips[string(k[len(skips):])] = int(n)
	}
	// The minutes before this one, counted; this one's leads, read.
	due := append(bytes.Clone(prefix), countDue)
	this := dueMinute(now)
	upTo := append(bytes.Clone(due), this...)
	for k, v := c.Seek(due); k != nil && bytes.Compare(k, upTo) < 0; k, v = c.Next() {
		n, err := countValue(k, v)
		if err != nil {
			return out, err
		}
		out.Due += int(n)
	}
	idx := tx.btx.Bucket(bucketLeadDue)
	pending := tx.pendingLeads(camp)
	end := dueKey(camp, now, "\xff")
	ic := idx.Cursor()
	for k, _ := ic.Seek(append(bytes.Clone(prefix), this...)); k != nil && bytes.Compare(k, end) <= 0; k, _ = ic.Next() {
		if pending == nil || !pending(dueID(k, len(prefix))) {
			out.Due++
		}
	}
	return out, nil
}

// known reports whether s is a state of the lead lifecycle.
func known(s campaign.LeadState) bool {
	_, err := campaign.ParseLeadState(s.String())
	return err == nil
}

// countAll counts every lead of the store (an import's under way among its
// pending counts), as lead_counts should hold them. Leads that do not
// decode are left out, as every reading of the leads refuses them.
func countAll(tx *bbolt.Tx) (t tally, undecodable int, err error) {
	t = tally{}
	leads := tx.Bucket(bucketLeads)
	if leads == nil {
		return t, 0, nil
	}
	ltx := &Tx{btx: tx}
	pendingOf := map[string]func(string) bool{}
	err = leads.ForEach(func(k, v []byte) error {
		camp, id, ok := bytes.Cut(k, []byte{0})
		var l campaign.Lead
		if !ok || json.Unmarshal(v, &l) != nil {
			undecodable++
			return nil
		}
		pending, seen := pendingOf[string(camp)]
		if !seen {
			pending = ltx.pendingLeads(string(camp))
			pendingOf[string(camp)] = pending
		}
		t.add(string(camp), &l, pending != nil && pending(string(id)), 1)
		return nil
	})
	return t, undecodable, err
}

// rebuildLeadCounts fills lead_counts afresh from the leads.
func rebuildLeadCounts(tx *bbolt.Tx) (undecodable int, err error) {
	if tx.Bucket(bucketLeadCounts) != nil {
		if err := tx.DeleteBucket(bucketLeadCounts); err != nil {
			return 0, err
		}
	}
	b, err := tx.CreateBucket(bucketLeadCounts)
	if err != nil {
		return 0, err
	}
	t, undecodable, err := countAll(tx)
	if err != nil {
		return 0, err
	}
	return undecodable, t.apply(b)
}

// ensureLeadCounts fills lead_counts when a store from before the counts
// is opened read-write.
func (db *DB) ensureLeadCounts(tx *bbolt.Tx) error {
	if tx.Bucket(bucketLeadCounts) != nil {
		return nil
	}
	start := time.Now()
	undecodable, err := rebuildLeadCounts(tx)
	if err != nil {
		return fmt.Errorf("count the leads: %w", err)
	}
	if leads := tx.Bucket(bucketLeads); leads != nil {
		if k, _ := leads.Cursor().First(); k != nil { // not a fresh store
			db.log.Info().Int("undecodable_leads", undecodable).Dur("took", time.Since(start)).Msg("lead counts built from the leads")
		}
	}
	return nil
}

// CheckLeadCounts compares the kept lead counts with the leads, counted
// one by one in the same snapshot: each difference is a problem, named by
// campaign and count. A store without the counts (opened read-only from
// before them) has none to check.
func (db *DB) CheckLeadCounts() (problems []string, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketLeadCounts)
		if b == nil {
			return nil
		}
		want, _, err := countAll(tx.btx)
		if err != nil {
			return err
		}
		have := tally{}
		if err := b.ForEach(func(k, v []byte) error {
			n, err := countValue(k, v)
			if err != nil {
				problems = append(problems, err.Error())
			}
			have[string(k)] = n
			return nil
		}); err != nil {
			return err
		}
		keys := map[string]bool{}
		for k, v := range want {
			keys[k] = v != 0
		}
		for k := range have {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			if want[k] != have[k] {
				problems = append(problems, fmt.Sprintf("%s: kept %s, the leads say %s", countName([]byte(k)),
					strconv.FormatInt(have[k], 10), strconv.FormatInt(want[k], 10)))
			}
		}
		return nil
	})
	return problems, err
}
