package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// Campaigns' run state and counts, and their abandonment by hour.
var (
	bucketCampaigns     = []byte("campaigns")
	bucketCampaignHours = []byte("campaign_hours")
	// campaign_learned: name → what its pacer learned (campaign.Learned),
	// added like agent_changes (a read-write open creates it).
	bucketCampaignLearned = []byte("campaign_learned")
)

// A campaign's progress (run state and counts) lives under its name; its
// abandonment window hour by hour under name NUL hour, so that a restart
// reads back only the hours of the cap's window.

func campaignHourKey(camp string, hour time.Time) []byte {
	return append([]byte(camp+"\x00"), timeKey(hour)...)
}

func checkCampaignName(name string) error {
	if name == "" {
		return fmt.Errorf("campaign name is required: %w", ErrInvalid)
	}
	for _, r := range name {
		if r == 0 {
			return fmt.Errorf("campaign name %q: %w", name, ErrInvalid)
		}
	}
	return nil
}

// SaveCampaignProgress stores a campaign's run state and counts.
func (tx *Tx) SaveCampaignProgress(p *campaign.Progress) error {
	if err := checkCampaignName(p.Name); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return tx.put(bucketCampaigns, p.Name, p)
}

// SaveCampaignHour stores one hour of a campaign's live answers and
// abandons, replacing what that hour held.
func (tx *Tx) SaveCampaignHour(h *campaign.HourCount) error {
	if err := checkCampaignName(h.Campaign); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	hour := h.Hour.UTC().Truncate(time.Hour)
	cp := *h
	cp.Hour = hour
	return tx.put(bucketCampaignHours, string(campaignHourKey(h.Campaign, hour)), &cp)
}

// SaveCampaignLearned stores what a campaign's pacer has learned,
// replacing what it held.
func (tx *Tx) SaveCampaignLearned(l *campaign.Learned) error {
	if err := checkCampaignName(l.Campaign); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return tx.put(bucketCampaignLearned, l.Campaign, l)
}

// CampaignLearned returns what a campaign's pacer learned, as last saved;
// ok is false when nothing was.
func (db *DB) CampaignLearned(camp string) (l campaign.Learned, ok bool, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketCampaignLearned)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(camp))
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &l); err != nil || l.Campaign != camp {
			return &DecodeError{Bucket: string(bucketCampaignLearned), Key: camp, Err: fmt.Errorf("not a campaign's learned pacing: %v", err)}
		}
		ok = true
		return nil
	})
	return l, ok, err
}

// CampaignProgress returns every campaign's saved progress.
func (db *DB) CampaignProgress() (out []campaign.Progress, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketCampaigns)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var p campaign.Progress
			if err := json.Unmarshal(v, &p); err != nil || p.Name != string(k) {
				return &DecodeError{Bucket: string(bucketCampaigns), Key: string(k), Err: fmt.Errorf("not a campaign's progress: %v", err)}
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// CampaignHours returns a campaign's hourly counts from the hour holding
// from on, oldest first.
func (db *DB) CampaignHours(camp string, from time.Time) (out []campaign.HourCount, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketCampaignHours)
		if b == nil {
			return nil
		}
		prefix := []byte(camp + "\x00")
		c := b.Cursor()
		for k, v := c.Seek(campaignHourKey(camp, from.UTC().Truncate(time.Hour))); k != nil && len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			var h campaign.HourCount
			if err := json.Unmarshal(v, &h); err != nil {
				return &DecodeError{Bucket: string(bucketCampaignHours), Key: string(k), Err: err}
			}
			out = append(out, h)
		}
		return nil
	})
	return out, err
}
