package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// Request is an admin command: a value sent to the engine goroutine, which
// applies it to the Core and answers with a result or an error. The set is
// closed (the method is unexported), so what the API and the CLI may ask of
// the engine is listed here and nowhere else.
type Request interface {
	apply(c *Core, now time.Time) (any, error)
}

// RequestOf is a Request whose result has type R; [Send] returns it typed.
type RequestOf[R any] interface {
	Request
	Returns(R)
}

// returns marks a request's result type; it carries no data.
type returns[R any] struct{}

// Returns names the result type for [Send]; it does nothing.
func (returns[R]) Returns(R) {}

// Submitter takes requests to the engine; *Runtime and *SimRun have it.
type Submitter interface {
	Submit(ctx context.Context, r Request) (any, error)
}

var (
	_ Submitter = (*Runtime)(nil)
	_ Submitter = (*SimRun)(nil)
)

// Send submits r and returns its typed result.
func Send[R any](ctx context.Context, s Submitter, r RequestOf[R]) (R, error) {
	v, err := s.Submit(ctx, r)
	res, _ := v.(R)
	return res, err
}

// Login logs an agent in, available. Logging in twice is not an error.
// By, in this and the other agent requests, names who asks (the agent, or a
// supervisor for them); the stored change keeps it.
type Login struct {
	returns[AgentStatus]
	Agent string
	By    string
}

func (r Login) apply(c *Core, now time.Time) (any, error) {
	return c.agentAfter(now, r.Agent, c.login(now, r.Agent, r.By))
}

// Logout logs an agent out (after its current call, if it has one).
type Logout struct {
	returns[AgentStatus]
	Agent string
	By    string
}

func (r Logout) apply(c *Core, now time.Time) (any, error) {
	return c.agentAfter(now, r.Agent, c.logout(now, r.Agent, motive{cause: acd.CauseLogout, by: r.By}))
}

// Ready makes a paused agent, or one in wrap-up, available.
type Ready struct {
	returns[AgentStatus]
	Agent string
	By    string
}

func (r Ready) apply(c *Core, now time.Time) (any, error) {
	return c.agentAfter(now, r.Agent, c.ready(now, r.Agent, r.By))
}

// Pause stops offering calls to an agent, with a reason (after its current
// call, if it has one).
type Pause struct {
	returns[AgentStatus]
	Agent  string
	Reason string
	By     string
}

func (r Pause) apply(c *Core, now time.Time) (any, error) {
	return c.agentAfter(now, r.Agent, c.pause(now, r.Agent, r.Reason, r.By))
}

// Spy rings a supervisor's endpoint into the call an agent is on.
type Spy struct {
	returns[SpyResult]
	Agent    string
	Mode     pbx.SpyMode
	Endpoint string // the supervisor's phone, e.g. PJSIP/1100
	By       string // the user who asks
	// OwnPhone, when set, refuses an agent's phone as Endpoint unless it
	// is that of Agent, the agent the asking user works as ("": none): a
	// supervisor joins a call on their own phone, not on an agent's.
	OwnPhone bool
	AsAgent  string
}

// SpyResult names the supervisor's channel.
type SpyResult struct {
	Channel string `json:"channel"`
}

func (r Spy) apply(c *Core, now time.Time) (any, error) {
	if r.OwnPhone {
		for _, b := range c.agents {
			if b.id != r.AsAgent && strings.EqualFold(strings.TrimSpace(r.Endpoint), strings.TrimSpace(b.cfg.Endpoint)) {
				return SpyResult{}, fmt.Errorf("%w: %s is agent %q's phone; listen, whisper and barge ring your own phone", ErrBadSpy, r.Endpoint, b.id)
			}
		}
	}
	ch, err := c.Spy(now, r.Agent, r.Mode, r.Endpoint, r.By)
	return SpyResult{Channel: ch}, err
}

// SpyStop hangs up a supervisor's phone that listens, whispers or barges
// in on the call an agent is on; it returns the monitor it ended.
type SpyStop struct {
	returns[Monitor]
	Agent    string
	Endpoint string // the supervisor's phone, as the spy named it
	By       string
}

func (r SpyStop) apply(c *Core, now time.Time) (any, error) {
	return c.SpyStop(now, r.Agent, r.Endpoint, r.By)
}

// Disposition attaches a disposition and notes to a call, live or ended.
type Disposition struct {
	returns[DispositionResult]
	Call        string
	Disposition string
	Notes       string
	KeepNotes   bool   // leave the call's notes as they are, Notes unread
	Reason      string // what the call was about; "" leaves it as it is
	// CallbackAt is when to call a campaign's lead back, with a callback
	// disposition; zero: after the campaign's no-answer delay.
	CallbackAt time.Time
	// CallbackTo is whom the callback is kept for: CallbackToMe (By, or
	// the call's agent when By is empty), CallbackToAnyone or "" for
	// anyone, or the id of an agent who works the campaign.
	CallbackTo string
	// By is the agent who gives the disposition; "" for a supervisor.
	By string
	// May, when set, is asked first with the call's record as it stands
	// (who may file on it: an agent on their own calls); an error refuses
	// the request and changes nothing.
	May func(*store.CallRecord) error
}

// DispositionResult is what was attached.
type DispositionResult struct {
	Call        string    `json:"call"`
	Disposition string    `json:"disposition"`
	Notes       string    `json:"notes,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	CallbackAt  time.Time `json:"callback_at,omitzero"`
	// CallbackAgent is the agent the callback is kept for; "" = anyone.
	CallbackAgent string `json:"callback_agent,omitempty"`
}

func (r Disposition) apply(c *Core, now time.Time) (any, error) {
	if r.May != nil {
		rec, _, err := c.callRecord(r.Call)
		if err == nil {
			err = r.May(rec)
		}
		if err != nil {
			return DispositionResult{}, err
		}
	}
	if r.KeepNotes {
		rec, _, err := c.callRecord(r.Call)
		if err != nil {
			return DispositionResult{}, err
		}
		r.Notes = rec.Notes
	}
	to, err := c.callbackTo(r.Call, r.CallbackTo, r.By)
	if err == nil && r.CallbackTo == CallbackToAnyone {
		err = c.checkAnyone(r.Call, r.Disposition)
	}
	if err == nil {
		err = c.DispositionCallbackTo(now, r.Call, r.Disposition, r.Notes, r.CallbackAt, to)
	}
	if err == nil && r.Reason != "" {
		err = c.SetReason(now, r.Call, r.Reason)
	}
	res := DispositionResult{Call: r.Call, Disposition: r.Disposition, Notes: r.Notes, Reason: r.Reason, CallbackAt: r.CallbackAt, CallbackAgent: to}
	if err == nil {
		// As the record keeps them: "SALE" is filed as the campaign's
		// "sale".
		if rec, _, rerr := c.callRecord(r.Call); rerr == nil {
			res.Disposition, res.Notes = rec.Disposition, rec.Notes
		}
	}
	return res, err
}

// Dispositions asks what a disposition of a call may be (see
// [DispositionChoices]).
type Dispositions struct {
	returns[DispositionChoices]
	Call string
	// May, when set, is asked first with the call's record, as
	// Disposition's is.
	May func(*store.CallRecord) error
}

func (r Dispositions) apply(c *Core, _ time.Time) (any, error) {
	rec, _, err := c.callRecord(r.Call)
	if err == nil && r.May != nil {
		err = r.May(rec)
	}
	if err != nil {
		return DispositionChoices{}, err
	}
	return c.dispositionChoices(r.Call), nil
}

// Reconfigure applies a validated config to the running engine; see
// [Core.Reconfigure]. Unless Force is set, a config that removes what is
// in use ([Core.InUse]) is refused with an [InUseError], and nothing
// changes.
type Reconfigure struct {
	returns[ReconfigureReport]
	Config config.Config
	Force  bool
}

func (r Reconfigure) apply(c *Core, now time.Time) (any, error) {
	if items := c.InUse(r.Config); len(items) > 0 && !r.Force {
		return ReconfigureReport{}, &InUseError{Items: items}
	}
	return c.Reconfigure(now, r.Config)
}

// GetStatus computes the status on the engine goroutine. Readers that can
// use a published [Snapshot] should: it costs the engine nothing.
type GetStatus struct {
	returns[Status]
}

func (GetStatus) apply(c *Core, now time.Time) (any, error) { return c.Status(now), nil }

// agentAfter answers an agent request with the agent's status after it.
func (c *Core) agentAfter(now time.Time, id string, err error) (any, error) {
	if err != nil {
		return AgentStatus{}, err
	}
	a, err := c.agentByID(id)
	if err != nil {
		return AgentStatus{}, err
	}
	return c.agentStatus(a, now), nil
}

// Submit applies r on the engine goroutine, then publishes the change before
// answering, so a reader of the snapshot sees what the request did. On an
// error the result is nil: when ctx ends first, the engine may still be
// writing it.
func (rt *Runtime) Submit(ctx context.Context, r Request) (any, error) {
	var v any
	err := rt.Do(ctx, func(c *Core, now time.Time) error {
		var err error
		v, err = r.apply(c, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Submit applies r at the current virtual time.
func (r *SimRun) Submit(_ context.Context, req Request) (any, error) {
	var v any
	err := r.Do(func(c *Core, now time.Time) error {
		var err error
		v, err = req.apply(c, now)
		return err
	})
	return v, err
}
