package store

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/internal/seal"
)

// callsOfALostTree writes 400 calls, each saved twice (ringing, then
// ended: the first version's page is freed), damages the calls bucket's
// root branch page and, with freelist, the freelist page too; it returns
// the damaged file's path.
func callsOfALostTree(t *testing.T, freelist bool) string {
	t.Helper()
	db, path := openTemp(t)
	for _, ended := range []bool{false, true} {
		err := db.Apply(func(tx *Tx) error {
			for i := range 400 {
				c := fullCall(fmt.Sprintf("call-%03d", i), t0.Add(time.Duration(i)*time.Minute))
				if !ended {
					c.Ended, c.Timeline, c.Disposition = time.Time{}, c.Timeline[:1], ""
				}
				if err := tx.SaveCall(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	pageSize := bdb.Info().PageSize
	var root int
	var typ string
	_ = bdb.View(func(tx *bbolt.Tx) error {
		root = int(tx.Bucket(bucketCalls).Root())
		info, _ := tx.Page(root)
		typ = info.Type
		return nil
	})
	bdb.Close()
	// The freelist page the newer meta page names (its transaction id
	// after the freelist's and the high water mark's page ids).
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var free, txid uint64
	for _, m := range [][]byte{data[pageHeaderSize:], data[pageSize+pageHeaderSize:]} {
		if id := binary.LittleEndian.Uint64(m[48:]); id > txid {
			free, txid = binary.LittleEndian.Uint64(m[32:]), id
		}
	}
	if typ != "branch" || free == 0 {
		t.Fatalf("the calls bucket's root page %d is a %s page, the freelist page %d; want a branch and a freelist", root, typ, free)
	}
	writeAt(t, path, int64(root)*int64(pageSize)+8, []byte{0xff, 0xff})
	if freelist {
		writeAt(t, path, int64(free)*int64(pageSize)+8, []byte{0x02, 0x00}) // a leaf's flag
	}
	return path
}

// Repair copies the call records of the pages a damaged tree no longer
// reaches, their last versions (the freelist, read whole, tells the freed
// first versions apart), indexed so a listing finds them.
func TestRepairSalvagesCallsOfALostTree(t *testing.T) {
	path := callsOfALostTree(t, false)
	dst := filepath.Join(t.TempDir(), "r.db")
	rep, err := Repair(path, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Check.FreeListed || rep.Copied["calls"] != 400 || len(rep.RecoveredCalls) != 400 || len(rep.LostCalls) != 0 {
		t.Fatalf("freelist read %v, copied %d calls, %d recovered, %d lost; want all 400 recovered", rep.Check.FreeListed, rep.Copied["calls"], len(rep.RecoveredCalls), len(rep.LostCalls))
	}
	fixed, err := Open(dst, Options{Verify: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	calls, err := fixed.CollectCalls(Filter{})
	if err != nil || len(calls) != 400 {
		t.Fatalf("the repaired store lists %d calls (%v); want 400, indexed", len(calls), err)
	}
	for _, c := range calls {
		if c.Ended.IsZero() || len(c.Timeline) != 2 || c.Disposition != "sale" {
			t.Fatalf("call %s came back as an older version (ended %v, %d steps, disposition %q); want its last", c.ID, c.Ended, len(c.Timeline), c.Disposition)
		}
	}
}

// With the freelist unreadable, a page no walk reached may be a freed old
// copy: a call saved again since (or erased) would come back as it was,
// so the calls stay lost, named.
func TestRepairLeavesCallsWithoutTheFreelist(t *testing.T) {
	path := callsOfALostTree(t, true)
	rep, err := Repair(path, filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Check.FreeListed || len(rep.RecoveredCalls) != 0 || len(rep.LostCalls) != 400 {
		t.Fatalf("freelist read %v, %d calls recovered, %d lost; want none recovered, 400 named lost", rep.Check.FreeListed, len(rep.RecoveredCalls), len(rep.LostCalls))
	}
}

// With the top-level tree's page lost, every bucket's own pages are
// unreached: repair copies the campaigns' progress, abandonment hours and
// learned pacing, and the agents' states, read from them, named.
func TestRepairSalvagesCampaignsAndAgentsOfALostTree(t *testing.T) {
	db, path := openTemp(t)
	err := db.Apply(func(tx *Tx) error {
		for i := range 12 {
			name := fmt.Sprintf("camp-%02d", i)
			if err := tx.SaveCampaignProgress(&campaign.Progress{Name: name, State: campaign.Running, Changed: t0,
				Counts: campaign.Counts{Dialed: 100 + i, Answered: 30}}); err != nil {
				return err
			}
			for h := range 4 {
				if err := tx.SaveCampaignHour(&campaign.HourCount{Campaign: name, Hour: t0.Add(time.Duration(h) * time.Hour), Live: 30, Abandoned: 1}); err != nil {
					return err
				}
			}
			if err := tx.SaveCampaignLearned(&campaign.Learned{Campaign: name, Saved: t0, Pacer: make([]byte, 300)}); err != nil {
				return err
			}
			if err := tx.SaveAgent(&AgentState{ID: fmt.Sprintf("agent-%02d", i), State: acd.Paused, PauseReason: "lunch", Since: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	loseTopTree(t, path)
	dst := filepath.Join(t.TempDir(), "r.db")
	rep, err := Repair(path, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Check.FreeListed || rep.Copied["campaigns"] != 12 || rep.Copied["campaign_hours"] != 48 || rep.Copied["campaign_learned"] != 12 || rep.Copied["agents"] != 12 {
		t.Fatalf("freelist read %v, copied %v; want 12 campaigns, 48 hours, 12 learned and 12 agents recovered (%v)", rep.Check.FreeListed, rep.Copied, rep.Check.Err())
	}
	if len(rep.Recovered) != 84 || rep.Recovered[0] != `"agents/agent-00"` {
		t.Fatalf("recovered %d records, first %q; want 84 named", len(rep.Recovered), rep.Recovered[:min(1, len(rep.Recovered))])
	}
	fixed, err := Open(dst, Options{Verify: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	progress, err := fixed.CampaignProgress()
	if err != nil || len(progress) != 12 || progress[3].Counts.Dialed != 103 || progress[3].State != campaign.Running {
		t.Fatalf("campaign progress after repair: %+v (%v)", progress, err)
	}
	hours, err := fixed.CampaignHours("camp-05", t0)
	if err != nil || len(hours) != 4 || hours[0].Abandoned != 1 {
		t.Fatalf("abandonment hours after repair: %+v (%v)", hours, err)
	}
	if l, ok, err := fixed.CampaignLearned("camp-07"); err != nil || !ok || len(l.Pacer) != 300 {
		t.Fatalf("learned pacing after repair: %v %v", ok, err)
	}
	agents, err := fixed.Agents()
	if err != nil || len(agents) != 12 || agents[0].State != acd.Paused || agents[0].PauseReason != "lunch" {
		t.Fatalf("agents after repair: %+v (%v)", agents, err)
	}
}

// With the top-level tree's page lost, repair copies the users (their
// password hashes, roles and agents) and, given the keys to open them, the
// contacts read from the pages no walk reached, named, the contacts'
// numbers indexed again so that a caller is still known by number.
func TestRepairSalvagesUsersAndContactsOfALostTree(t *testing.T) {
	db, path := openTemp(t)
	keys := ring(t, testKeys(t, "k1")...)
	hash := "$argon2id$v=19$m=65536,t=3,p=2$" + strings.Repeat("c2FsdA", 4) + "$" + strings.Repeat("aGFzaA", 7) // as long as a real one
	for i := range 20 {                                                                                         // more than a bucket kept inline in its parent's page holds
		u := auth.User{Name: fmt.Sprintf("user-%d", i), Role: auth.Agent, Agent: fmt.Sprintf("a%d", i), Hash: hash, Created: t0}
		if err := db.SaveUser(&u); err != nil {
			t.Fatal(err)
		}
	}
	cs := db.Contacts(keys)
	for i := range 20 {
		c := contact.Contact{Phones: []string{fmt.Sprintf("+3314000%04d", i)}, Name: fmt.Sprintf("Customer %d", i)}
		if err := cs.Create(&c, t0); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	rep, dst := repairLostTop(t, path, keys)
	if !rep.Check.FreeListed || rep.Copied["users"] != 20 || rep.Copied["contacts"] != 20 {
		t.Fatalf("freelist read %v, copied %v; want 20 users and 20 contacts recovered (%v)", rep.Check.FreeListed, rep.Copied, rep.Check.Err())
	}
	if !slices.Contains(rep.Recovered, `"users/user-1"`) || !slices.Contains(rep.Recovered, `"contacts/3"`) {
		t.Fatalf("recovered %q; want users and contacts named", rep.Recovered)
	}
	fixed, err := Open(dst, Options{Verify: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	if u, err := fixed.User("user-2"); err != nil || u.Agent != "a2" || u.Hash != hash || u.Role != auth.Agent {
		t.Fatalf("user after repair: %+v (%v)", u, err)
	}
	if c, err := fixed.Contacts(keys).ByPhone("+33140000014"); err != nil || c.Name != "Customer 14" {
		t.Fatalf("contact by number after repair: %+v (%v)", c, err)
	}
}

// repairLostTop damages the top-level tree of the store file at path
// (loseTopTree) and repairs it with keys into a new file, returned.
func repairLostTop(t *testing.T, path string, keys *seal.Keyring) (*RepairReport, string) {
	t.Helper()
	loseTopTree(t, path)
	dst := filepath.Join(t.TempDir(), "r.db")
	rep, err := Repair(path, dst, keys)
	if err != nil {
		t.Fatal(err)
	}
	return rep, dst
}

// loseTopTree damages the page of the top-level tree the newer meta page
// of the store file at path names: every bucket's own pages are unreached.
func loseTopTree(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int64(binary.LittleEndian.Uint32(data[pageHeaderSize+8:]))
	var root, txid uint64
	for _, m := range [][]byte{data[pageHeaderSize:], data[pageSize+pageHeaderSize:]} {
		if id := binary.LittleEndian.Uint64(m[48:]); id > txid {
			root, txid = binary.LittleEndian.Uint64(m[16:]), id
		}
	}
	writeAt(t, path, int64(root)*pageSize+8, []byte{0x00, 0x00})
}

// With the top-level tree's page lost, repair copies the do-not-call
// entries and the API tokens read from the pages no walk reached (a
// revoked token stays revoked), names them, and names every bucket that
// may have lost records, the do-not-call lists among them.
func TestRepairSalvagesDNCAndTokensOfALostTree(t *testing.T) {
	db, path := openTemp(t)
	var dnc []DNCEntry
	for i := range 60 { // more than a bucket kept inline in its parent's page holds
		dnc = append(dnc, DNCEntry{List: GlobalDNC, Phone: fmt.Sprintf("+3314000%04d", i), Added: t0, Source: "import dnc.csv"})
	}
	if _, err := db.AddDNC(dnc); err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		tok := auth.Token{ID: fmt.Sprintf("tok%02d", i), Hash: strings.Repeat("ab", 32), User: "admin", Role: auth.Admin, Name: "crm", Created: t0}
		if err := db.SaveToken(&tok); err != nil {
			t.Fatal(err)
		}
	}
	revoked := auth.Token{ID: "tok07", Hash: strings.Repeat("ab", 32), User: "admin", Role: auth.Admin, Name: "crm", Created: t0, Revoked: true}
	if err := db.SaveToken(&revoked); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rep, dst := repairLostTop(t, path, nil)
	if !rep.Check.FreeListed || rep.Copied["dnc"] != 60 || rep.Copied["tokens"] != 25 {
		t.Fatalf("freelist read %v, copied %v; want 60 do-not-call entries and 25 tokens recovered (%v)", rep.Check.FreeListed, rep.Copied, rep.Check.Err())
	}
	if !slices.Contains(rep.Recovered, `"dnc/global/+33140000042"`) || !slices.Contains(rep.Recovered, `"tokens/tok03"`) {
		t.Fatalf("recovered %q; want the do-not-call entries and tokens named", rep.Recovered)
	}
	for _, b := range []string{"dnc", "tokens", "calls", "leads"} {
		if !slices.Contains(rep.Incomplete, b) {
			t.Errorf("incomplete %q; want %s named", rep.Incomplete, b)
		}
	}
	if slices.Contains(rep.Incomplete, "calls_by_entered") || slices.Contains(rep.Incomplete, "meta") {
		t.Errorf("incomplete %q; want the buckets repair rebuilds left out", rep.Incomplete)
	}
	fixed, err := Open(dst, Options{Verify: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	if list, blocked, err := fixed.Blocked("+33140000007"); err != nil || !blocked || list != GlobalDNC {
		t.Fatalf("+33140000007 after repair: listed %v on %q (%v); want on the global list", blocked, list, err)
	}
	if tok, err := fixed.Token("tok07"); err != nil || !tok.Revoked {
		t.Fatalf("revoked token after repair: %+v (%v); want it still revoked", tok, err)
	}
}

// A store whose damage is in no bucket's records (none here: a sound
// file) names no bucket incomplete, and one whose calls bucket lost a page
// names the calls alone.
func TestRepairNamesIncompleteBuckets(t *testing.T) {
	rep := &Report{Problems: []Problem{{Page: 9, Bucket: "calls", What: "x"}, {Page: 12, Bucket: "calls_by_entered", What: "y"}}}
	if got := incomplete(rep, map[string]uint64{}); !slices.Equal(got, []string{"calls"}) {
		t.Errorf("incomplete of a damaged calls page = %q, want [calls]", got)
	}
	if got := incomplete(&Report{}, nil); len(got) != 0 {
		t.Errorf("incomplete of a sound file = %q, want none", got)
	}
	seqs := map[string]uint64{}
	for _, b := range allBuckets {
		if string(b) != "dnc" {
			seqs[string(b)] = 0
		}
	}
	if got := incomplete(&Report{Problems: []Problem{{Page: 3, What: "top"}}}, seqs); !slices.Equal(got, []string{"dnc"}) {
		t.Errorf("incomplete with the dnc header on a lost top page = %q, want [dnc]", got)
	}
}
