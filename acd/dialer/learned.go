package dialer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// What a pacer learns of its campaign (the recent dial outcomes, talk and
// wrap-up times, the budget's bias) takes hours to gather on a small team.
// A runner saves it (MarshalLearned) and gives it back to the pacer of a
// restarted daemon (RestoreLearned), so that the campaign goes on dialing
// as the seasoned campaign it is, not as a new one. The abandonment window
// is kept apart, hour by hour (AbandonHour, RestoreHour).

// learnedVersion is the first byte of MarshalLearned's encoding.
const learnedVersion = 1

// maxUnripe bounds the dials not yet ripe that an encoding may hold: far
// more than a switch can have ended in the last ringRipe.
const maxUnripe = 1 << 20

// ErrBadLearned is returned for an encoding RestoreLearned cannot read.
var ErrBadLearned = errors.New("dialer: learned figures unreadable")

// Changes counts what the pacer has learned so far (dial outcomes, handled
// calls): a runner saves the learned figures again only once it moved.
func (p *Pacer) Changes() uint64 { return p.changes }

// Figures sums up what the pacer has learned, for a status.
type Figures struct {
	Dials int // dial outcomes it paces by (ripe ones)
	Live  int // live answers among them
	Talks int // talk times it paces by
	// MeanTalk and MeanWrap are the means of those talks and of the
	// recent wrap-ups (0 with none yet).
	MeanTalk, MeanWrap time.Duration
}

// Figures returns what the pacer has learned so far.
func (p *Pacer) Figures() Figures {
	f := Figures{Dials: len(p.outcomes), Live: len(p.answered), Talks: len(p.talk.buf)}
	if f.Talks > 0 {
		sum := 0.0
		for _, x := range p.talk.buf {
			sum += x
		}
		f.MeanTalk = time.Duration(sum / float64(f.Talks) * float64(time.Second)).Round(time.Second)
	}
	if p.wraps > 0 {
		f.MeanWrap = time.Duration(p.wrap * float64(time.Second)).Round(time.Second)
	}
	return f
}

// MarshalLearned encodes what the pacer has learned of its campaign.
func (p *Pacer) MarshalLearned() []byte {
	b := []byte{learnedVersion}
	b = binary.AppendUvarint(b, uint64(len(p.outcomes)))
	b = appendOutcomes(b, p.outcomes)
	b = binary.AppendUvarint(b, uint64(len(p.unripe)))
	b = appendOutcomes(b, p.unripe)
	b = appendTime(b, p.latest)
	talks := p.talk.inOrder()
	b = binary.AppendUvarint(b, uint64(len(talks)))
	for _, x := range talks {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.wrap))
	b = binary.AppendUvarint(b, uint64(p.wraps))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.bias))
	b = binary.AppendVarint(b, int64(p.learnedAt))
	return b
}

func appendOutcomes(b []byte, os []outcome) []byte {
	for _, o := range os {
		b = appendTime(b, o.placed)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(o.ring))
		live := byte(0)
		if o.live {
			live = 1
		}
		b = append(b, live)
	}
	return b
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// inOrder returns the samples oldest first.
func (r *ring) inOrder() []float64 {
	if len(r.buf) < keep {
		return append([]float64(nil), r.buf...)
	}
	return append(append([]float64(nil), r.buf[r.next:]...), r.buf[:r.next]...)
}

// RestoreLearned replaces what the pacer has learned with what
// MarshalLearned encoded (of a pacer of the same campaign, before a
// restart). On error the pacer is left as it was.
func (p *Pacer) RestoreLearned(data []byte) error {
	d := decoder{b: data}
	if v := d.byte("version"); d.err == nil && v != learnedVersion {
		return fmt.Errorf("%w: version %d; this Hotline reads version %d", ErrBadLearned, v, learnedVersion)
	}
	outcomes := d.outcomes("dial outcomes", keep*4)
	unripe := d.outcomes("dials not yet ripe", maxUnripe)
	latest := d.time("latest time")
	nt := d.count("talk times", keep)
	talks := make([]float64, 0, nt)
	for i := 0; i < nt && d.err == nil; i++ {
		talks = append(talks, d.seconds(fmt.Sprintf("talk time %d", i+1)))
	}
	wrap := d.seconds("wrap-up")
	wraps := d.count("wrap-up count", keep)
	bias := d.float("bias")
	learnedAt := d.varint("bias answers")
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes after the end", len(d.b))
	}
	if d.err == nil && (learnedAt < 0 || learnedAt > math.MaxInt32) {
		d.err = fmt.Errorf("bias answers %d out of range", learnedAt)
	}
	if d.err != nil {
		return fmt.Errorf("%w: %v", ErrBadLearned, d.err)
	}
	q := &Pacer{o: p.o, buckets: p.buckets, changes: p.changes, latest: latest, unripe: unripe,
		wrap: wrap, wraps: wraps, bias: bias, learnedAt: int(learnedAt)}
	for _, o := range outcomes {
		q.addOutcome(o)
	}
	for _, x := range talks {
		q.talk.add(x)
	}
	q.tab = tables{}
	*p = *q
	return nil
}

// decoder reads MarshalLearned's encoding; the first error sticks and
// names what it was reading.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what, why string) {
	if d.err == nil {
		d.err = fmt.Errorf("%s: %s", what, why)
	}
}

func (d *decoder) byte(what string) byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.fail(what, "cut short")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(what, "cut short or not a number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(what, "cut short or not a number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) count(what string, most int) int {
	v := d.uvarint(what)
	if d.err == nil && v > uint64(most) {
		d.fail(what, fmt.Sprintf("%d, more than %d", v, most))
		return 0
	}
	return int(v)
}

func (d *decoder) float(what string) float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail(what, "cut short")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	if math.IsNaN(v) || math.IsInf(v, 0) {
		d.fail(what, "not a number")
		return 0
	}
	return v
}

// seconds reads a duration in seconds, within a year either way (a clock
// set back can make one negative).
func (d *decoder) seconds(what string) float64 {
	v := d.float(what)
	if d.err == nil && math.Abs(v) > 366*86400 {
		d.fail(what, fmt.Sprintf("%v s, more than a year", v))
		return 0
	}
	return v
}

func (d *decoder) time(what string) time.Time {
	s := d.varint(what)
	ns := d.uvarint(what)
	if d.err == nil && ns >= 1e9 {
		d.fail(what, "nanoseconds out of range")
	}
	if d.err != nil {
		return time.Time{}
	}
	t := time.Unix(s, int64(ns))
	if t.IsZero() {
		return time.Time{}
	}
	return t
}

func (d *decoder) outcomes(what string, most int) []outcome {
	n := d.count(what, most)
	out := make([]outcome, 0, min(n, 4096))
	for i := 0; i < n && d.err == nil; i++ {
		at := fmt.Sprintf("%s: dial %d", what, i+1)
		o := outcome{placed: d.time(at), ring: d.seconds(at + " ring time")}
		switch d.byte(at) {
		case 0:
		case 1:
			o.live = true
		default:
			d.fail(at, "neither live nor not")
		}
		out = append(out, o)
	}
	return out
}
