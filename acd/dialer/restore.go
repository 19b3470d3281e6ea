package dialer

import "time"

// AbandonHour returns the live answers and abandons counted in the hour
// holding t: what a runner keeps so that the cap holds across a restart.
func (p *Pacer) AbandonHour(t time.Time) (live, abandoned int) {
	h := t.Unix() / 3600
	for _, b := range p.buckets {
		if b.hour == h {
			return b.live, b.abandoned
		}
	}
	return 0, 0
}

// RestoreHour puts back an earlier run's counts of the hour holding t.
// Restore the hours oldest first, before any new Connected; an hour older
// than the last one restored is ignored.
func (p *Pacer) RestoreHour(t time.Time, live, abandoned int) {
	h := t.Unix() / 3600
	if n := len(p.buckets); n > 0 && p.buckets[n-1].hour >= h {
		b := &p.buckets[n-1]
		if b.hour == h {
			b.live, b.abandoned = b.live+live, b.abandoned+abandoned
		}
		return
	}
	p.buckets = append(p.buckets, bucket{hour: h, live: live, abandoned: abandoned})
}
