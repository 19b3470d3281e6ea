package ari

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	goari "github.com/CyCoreSystems/ari/v6"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/internal/redact"
)

// command runs one REST request for a pbx command and names the command in
// the error.
func (c *Client) command(ctx context.Context, what, method, p string, q url.Values, body any) error {
	if err := c.call(ctx, method, p, q, body, nil); err != nil {
		return fmt.Errorf("%s: %w", what, classify(err))
	}
	return nil
}

func chanPath(ch pbx.ChannelID, rest string) string { return "/channels/" + seg(string(ch)) + rest }

// Answer implements pbx.Switch.
func (c *Client) Answer(ctx context.Context, ch pbx.ChannelID) error {
	return c.command(ctx, "answer "+string(ch), http.MethodPost, chanPath(ch, "/answer"), nil, nil)
}

// Hangup implements pbx.Switch.
func (c *Client) Hangup(ctx context.Context, ch pbx.ChannelID, cause pbx.Cause) error {
	c.note(note{Op: opHangup, ID: string(ch), Cause: int(cause)})
	q := url.Values{}
	if cause > 0 && cause < 128 {
		q.Set("reason_code", strconv.Itoa(int(cause)))
	}
	err := c.command(ctx, "hangup "+string(ch), http.MethodDelete, chanPath(ch, ""), q, nil)
	if errors.Is(err, pbx.ErrNoChannel) {
		return nil
	}
	return err
}

// Play implements pbx.Switch. Several media items are played one by one,
// each an ARI playback of its own, so that StopPlayback stops them all: on
// Asterisk 22, stopping a multi-item playback during a number: or digits:
// item stops only that item.
func (c *Client) Play(ctx context.Context, ch pbx.ChannelID, id pbx.PlaybackID, media ...string) error {
	uris := make([]string, 0, len(media))
	for _, m := range media {
		u, err := mediaURIs(m)
		if err != nil {
			return fmt.Errorf("play %s on %s: %w", id, ch, err)
		}
		uris = append(uris, u...)
	}
	if len(uris) == 0 {
		return fmt.Errorf("play %s on %s: %w: no media", id, ch, pbx.ErrBadRequest)
	}
	c.note(note{Op: opPlay, ID: string(id), Ch: string(ch), Rest: uris[1:]})
	err := c.command(ctx, fmt.Sprintf("play %s on %s", id, ch), http.MethodPost,
		chanPath(ch, "/play/"+seg(string(id))), url.Values{"media": {uris[0]}}, nil)
	if err != nil {
		c.note(note{Op: opUnplay, ID: string(id)})
	}
	return err
}

// mediaURIs turns a pbx media item into ARI media URIs. Numbers and
// digits become Asterisk's digits/ sound files: Asterisk 22 cannot stop a
// number: or digits: playback (DELETE answers 500 "Could not stop
// playback", and inside a multi-item playback only that item ends), and a
// caller connected to an agent must stop hearing the announcement at once.
func mediaURIs(m string) ([]string, error) {
	scheme, rest, ok := strings.Cut(m, ":")
	if !ok || rest == "" || strings.Contains(rest, ",") {
		return nil, fmt.Errorf("%w: media %q", pbx.ErrBadRequest, m)
	}
	switch scheme {
	case "tone":
		if rest == "beep" { // Asterisk's indications have no beep; its core sounds do
			return []string{"sound:beep"}, nil
		}
		return []string{m}, nil
	case "sound", "recording", "characters":
		return []string{m}, nil
	case "number":
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || n <= -1e12 || n >= 1e12 {
			return nil, fmt.Errorf("%w: media %q: want a whole number under a trillion", pbx.ErrBadRequest, m)
		}
		return sayNumber(n), nil
	case "digits":
		var out []string
		for _, d := range rest {
			switch {
			case d >= '0' && d <= '9':
				out = append(out, "sound:digits/"+string(d))
			case d == '*':
				out = append(out, "sound:digits/star")
			case d == '#':
				out = append(out, "sound:digits/pound")
			default:
				return nil, fmt.Errorf("%w: media %q: %q is not a digit", pbx.ErrBadRequest, m, d)
			}
		}
		return out, nil
	case "file":
		// Asterisk plays a file by its path without extension and picks the
		// best format it finds.
		if !path.IsAbs(rest) {
			return nil, fmt.Errorf("%w: media %q: file path must be absolute", pbx.ErrBadRequest, m)
		}
		return []string{"sound:" + strings.TrimSuffix(rest, path.Ext(rest))}, nil
	}
	return nil, fmt.Errorf("%w: media %q: unknown scheme %q", pbx.ErrBadRequest, m, scheme)
}

// sayNumber is n in Asterisk's English digits/ sound files, in the order
// Asterisk's own English say-number uses: 1234 is 1 thousand 2 hundred 30 4.
// (In another channel language Asterisk picks that language's files of the
// same names; the word order stays English.)
func sayNumber(n int64) []string {
	if n == 0 {
		return []string{"sound:digits/0"}
	}
	var out []string
	if n < 0 {
		out, n = append(out, "sound:digits/minus"), -n
	}
	for _, big := range []struct {
		size int64
		word string
	}{{1e9, "billion"}, {1e6, "million"}, {1e3, "thousand"}} {
		if n >= big.size {
			out = append(out, sayNumber(n/big.size)...)
			out = append(out, "sound:digits/"+big.word)
			n %= big.size
		}
	}
	if n >= 100 {
		out = append(out, "sound:digits/"+strconv.FormatInt(n/100, 10), "sound:digits/hundred")
		n %= 100
	}
	switch {
	case n >= 20:
		out = append(out, "sound:digits/"+strconv.FormatInt(n/10*10, 10))
		if n%10 != 0 {
			out = append(out, "sound:digits/"+strconv.FormatInt(n%10, 10))
		}
	case n > 0:
		out = append(out, "sound:digits/"+strconv.FormatInt(n, 10))
	}
	return out
}

// StopPlayback implements pbx.Switch: it stops the item playing now, and
// no further item starts.
func (c *Client) StopPlayback(ctx context.Context, id pbx.PlaybackID) error {
	c.note(note{Op: opStopPlay, ID: string(id)})
	cur, known := c.currentItem(string(id))
	err := c.command(ctx, "stop playback "+string(id), http.MethodDelete, "/playbacks/"+seg(cur), nil, nil)
	if errors.Is(err, pbx.ErrNoChannel) || errors.Is(err, pbx.ErrNoPlayback) {
		if known {
			// Between two items: the one that ended reports the stop, or the
			// next is stopped as soon as Asterisk has it (playNext).
			return nil
		}
		if !errors.Is(err, pbx.ErrNoPlayback) {
			err = fmt.Errorf("%w: %w", pbx.ErrNoPlayback, err)
		}
	}
	return err
}

// StopCutPlayback implements pbx.PlaybackStopper. A playback a run before
// left on ch is known to Asterisk only under its items' ids: the first
// item's is the playback id, the next ones' id~2, id~3... and only the
// item that played when that run ended still plays (the later ones died
// with it), so each is tried in turn until one stops.
var _ pbx.PlaybackStopper = (*Client)(nil)

func (c *Client) StopCutPlayback(ctx context.Context, ch pbx.ChannelID, id pbx.PlaybackID) error {
	if _, known := c.currentItem(string(id)); known {
		return c.StopPlayback(ctx, id)
	}
	for i := 1; i <= maxCutItems; i++ {
		item := string(id)
		if i > 1 {
			item += "~" + strconv.Itoa(i)
		}
		err := c.command(ctx, "stop playback "+item+" cut on "+string(ch), http.MethodDelete, "/playbacks/"+seg(item), nil, nil)
		if !errors.Is(err, pbx.ErrNoPlayback) {
			return err
		}
	}
	return nil // over already
}

// maxCutItems bounds the items StopCutPlayback tries: more than any
// prompt list Hotline plays.
const maxCutItems = 64

// currentItem is the ARI playback playing now for the engine's playback id,
// and whether the tracker knows it (else the id itself).
func (c *Client) currentItem(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.tr.plays[id]; p != nil {
		return p.cur, true
	}
	return id, false
}

// playNext starts the next item of a playback. A stop that came while the
// request was on its way found nothing to stop, so it is repeated here; a
// refused item ends the playback, in its place among the events.
func (c *Client) playNext(it playItem) {
	ctx := context.Background()
	err := c.call(ctx, http.MethodPost, chanPath(pbx.ChannelID(it.ch), "/play/"+seg(it.id)), url.Values{"media": {it.media}}, nil, nil)
	if err == nil {
		c.mu.Lock()
		_, p := c.tr.playOf(it.id)
		stopped := p != nil && p.stopped
		c.mu.Unlock()
		if stopped {
			_ = c.call(ctx, http.MethodDelete, "/playbacks/"+seg(it.id), nil, nil, nil)
		}
		return
	}
	gone := errors.Is(classify(err), pbx.ErrNoChannel)
	if !gone {
		c.log.Warn().Err(err).Str("channel", it.ch).Str("playback", it.id).Msg("next playback item refused")
	}
	c.inbox.push(inItem{do: func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.q.push(c.tr.playAborted(time.Now(), it.id, gone)...)
	}})
}

// StartMOH implements pbx.Switch.
func (c *Client) StartMOH(ctx context.Context, ch pbx.ChannelID, class string) error {
	q := url.Values{}
	if class != "" {
		q.Set("mohClass", class)
	}
	return c.command(ctx, "start moh on "+string(ch), http.MethodPost, chanPath(ch, "/moh"), q, nil)
}

// StopMOH implements pbx.Switch.
func (c *Client) StopMOH(ctx context.Context, ch pbx.ChannelID) error {
	return c.command(ctx, "stop moh on "+string(ch), http.MethodDelete, chanPath(ch, "/moh"), nil, nil)
}

// Originate implements pbx.Switch. The leg is dialed straight into the
// Stasis application, so its answer arrives as an event and never runs
// dialplan. An endpoint Asterisk cannot even create a channel for
// (PJSIP/nobody) is reported like any unreachable phone: OriginateFailed and
// HungUp, and no error.
// autoAnswerHeaders ask a PJSIP phone to answer by itself (an originate's
// AutoAnswer): Call-Info answer-after=0 (Yealink, Snom, Grandstream and
// most softphones) and Alert-Info auto answer (Polycom). Set on the channel
// before it dials, they go out with the INVITE.
var autoAnswerHeaders = map[string]string{
	"PJSIP_HEADER(add,Call-Info)":  "<sip:hotline>;answer-after=0",
	"PJSIP_HEADER(add,Alert-Info)": "<http://127.0.0.1>;info=alert-autoanswer;delay=0",
}

func (c *Client) Originate(ctx context.Context, req pbx.OriginateRequest) error {
	return c.originate(ctx, req, argLeg)
}

func (c *Client) originate(ctx context.Context, req pbx.OriginateRequest, args string) error {
	id := string(req.ChannelID)
	what := fmt.Sprintf("originate %s to %s", id, req.Endpoint)
	if id == "" || req.Endpoint == "" {
		return fmt.Errorf("%s: %w: channel id and endpoint are required", what, pbx.ErrBadRequest)
	}
	if internalID(id) {
		return fmt.Errorf("%s: %w: ids starting %q or %q are reserved", what, pbx.ErrBadRequest, snoopPrefix, spyBridgePrefix)
	}
	amd := ""
	switch req.Machine {
	case pbx.MachineDetect:
		amd = amdDetect
	case pbx.MachineAfterBeep:
		amd = amdWaitBeep
	}
	if !c.note(note{Op: opOriginate, ID: id, AMD: amd}) {
		return fmt.Errorf("%s: %w", what, pbx.ErrDuplicateID)
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	q := url.Values{
		"endpoint": {pinLocal(req.Endpoint)},
		"app":      {c.opts.App},
		"appArgs":  {args},
		"timeout":  {strconv.Itoa(int((timeout + time.Second - 1) / time.Second))},
	}
	if req.CallerID != "" || req.CallerName != "" {
		q.Set("callerId", callerID(req.CallerName, req.CallerID))
	}
	vars := req.Vars
	if req.AutoAnswer {
		vars = maps.Clone(vars)
		if vars == nil {
			vars = map[string]string{}
		}
		maps.Copy(vars, autoAnswerHeaders)
	}
	if mm := c.unattendedPlayback(req.MachineMessage); amd != "" && mm != "" {
		vars = maps.Clone(vars)
		if vars == nil {
			vars = map[string]string{}
		}
		vars[VarMachineMessage] = mm
	}
	// A lead asks the switch to take an answer while the application is
	// away (Unattended not nil, maybe with nothing to play).
	lead := args == argLeg && req.Unattended != nil
	if lead {
		// Into the dialplan's lead context rather than straight into the
		// application: answered while the application is away, the lead is
		// not hung up by Stasis() but hears the message, if any, and its
		// answer is noted (LeadContext).
		q.Del("app")
		q.Del("appArgs")
		q.Set("context", LeadContext)
		q.Set("extension", "s")
		q.Set("label", LeadLabel) // a dialplan without it refuses the originate: see below
		vars = maps.Clone(vars)
		if vars == nil {
			vars = map[string]string{}
		}
		vars[VarUnattended], vars[varApp] = c.unattendedPlayback(req.Unattended), c.opts.App
		vars[hangupHandlerPush] = LeadContext + "," + GoneExten + ",1"
	}
	var body any
	if len(vars) > 0 {
		// Variables go with the originate: a SetVariable right after the
		// channel appears can meet a 409.
		body = map[string]any{"variables": vars}
	}
	err := c.call(ctx, http.MethodPost, "/channels/"+seg(id), q, body, nil)
	if ae := (*apiError)(nil); lead && errors.As(err, &ae) && ae.Status == http.StatusNotFound && strings.Contains(strings.ToLower(ae.Message), "label") {
		// The dialplan lacks the lead context (not applied since an
		// upgrade): straight into the application, as before it.
		c.noLeadContext.Do(func() {
			c.log.Warn().Str("context", LeadContext).Msg("Asterisk's dialplan lacks Hotline's lead context (run hotline dialplan apply): a lead that answers while Hotline is down is hung up by Asterisk without the safe-harbour message")
		})
		for _, k := range []string{"context", "extension", "label"} {
			q.Del(k)
		}
		delete(vars, hangupHandlerPush)
		q.Set("app", c.opts.App)
		q.Set("appArgs", args)
		lead = false
		err = c.call(ctx, http.MethodPost, "/channels/"+seg(id), q, body, nil)
	}
	if err == nil && lead {
		c.note(note{Op: opLeadContext, ID: id})
		return c.subscribeLeg(ctx, id, req.Endpoint)
	}
	if err == nil {
		return nil
	}
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusInternalServerError {
		c.log.Warn().Err(err).Str("channel", id).Str("endpoint", redact.Numbers(req.Endpoint)).Msg("Asterisk could not create the channel; reported as unreachable")
		now := time.Now()
		c.note(note{Op: opUnoriginate, ID: id})
		c.q.push(
			pbx.OriginateFailed{Base: base(id, now), Reason: pbx.FailUnreachable, Cause: pbx.CauseUnallocated},
			pbx.HungUp{Base: base(id, now), Cause: pbx.CauseUnallocated},
		)
		return nil
	}
	c.note(note{Op: opUnoriginate, ID: id})
	return fmt.Errorf("%s: %w", what, classify(err))
}

// Names of the lead context and the variables it reads.
const (
	// LeadContext is the dialplan context a lead with an Unattended message
	// is originated into ("hotline dialplan render" writes it as
	// hotline-lead): extension s enters the application with Stasis(app,leg)
	// and, should Stasis fail (no application: Hotline is down), notes the
	// answer in the global variable UnattendedPrefix+channel id, plays
	// VarUnattended and hangs up.
	LeadContext      = "hotline-lead"
	LeadLabel        = "lead" // of extension s's first priority
	VarUnattended    = "HOTLINE_UNATTENDED"
	UnattendedPrefix = "HOTLINE_UNATTENDED_"
	// VarMachineMessage is what a machine hears when answering-machine
	// detection (AMDContext) ends with no application to go back to: the
	// detection context then notes the answer as UnattendedPrefix+channel
	// id = "<epoch> MACHINE", plays it, if set, and hangs up.
	VarMachineMessage = "HOTLINE_MACHINE_MESSAGE"
	// UnattendedMachine marks a machine's note.
	UnattendedMachine = "MACHINE"
	// GoneExten is the lead context's extension a lead's channel runs as
	// its hangup handler: unanswered, it notes its hangup cause in the
	// global variable GoneLeadPrefix+channel id. Asterisk follows a
	// channel originated into the dialplan for Hotline only once Hotline
	// subscribes to it, which it cannot do before the channel exists (422
	// "Event source does not exist"); a lead busy at once is over by then,
	// and the note is how Hotline learns why.
	GoneExten      = "gone"
	GoneLeadPrefix = "HOTLINE_GONE_"
	// hangupHandlerPush pushes a hangup handler (context,exten,priority)
	// when set as a channel variable at the originate.
	hangupHandlerPush = "CHANNEL(hangup_handler_push)"
	// varApp names the application for dialplans that serve several (the
	// e2e tests' daemons each have their own).
	varApp = "HOTLINE_APP"
)

// unattendedPlayback is media as the argument of Playback(): the sound
// files and recordings of the list, joined by '&'. Items Playback cannot
// play (tones, characters) or whose names the dialplan would split are
// left out.
func (c *Client) unattendedPlayback(media []string) string {
	var files []string
	for _, m := range media {
		uris, err := mediaURIs(m)
		if err != nil {
			continue
		}
		for _, u := range uris {
			scheme, rest, _ := strings.Cut(u, ":")
			switch scheme {
			case "sound":
			case "recording":
				rest = path.Join(c.opts.RecordingDir, rest)
			default:
				continue
			}
			if rest != "" && !strings.ContainsAny(rest, "&,|()[]{}$\"\\;\n\r") {
				files = append(files, rest)
			}
		}
	}
	return strings.Join(files, "&")
}

// subscribeLeg subscribes the application to a leg originated into the
// dialplan (Asterisk does so only for legs originated into the
// application). A leg over before the subscription lands sent Hotline no
// events: the note its hangup handler left (GoneExten) says how it ended,
// and a leg with no note is reported unreachable.
func (c *Client) subscribeLeg(ctx context.Context, id, endpoint string) error {
	if c.beforeFollow != nil {
		c.beforeFollow()
	}
	err := c.call(ctx, http.MethodPost, "/applications/"+seg(c.opts.App)+"/subscription",
		url.Values{"eventSource": {"channel:" + id}}, nil, nil)
	if err == nil {
		return nil
	}
	var ae *apiError
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 {
		evs, nerr := c.notedEnd(context.WithoutCancel(ctx), id)
		f := evs[0].(pbx.OriginateFailed)
		c.log.Info().AnErr("subscription", err).AnErr("note", nerr).Str("channel", id).Str("endpoint", redact.Numbers(endpoint)).
			Str("reason", string(f.Reason)).Int("cause", int(f.Cause)).Msg("lead's channel over before Hotline could follow it")
		c.mu.Lock()
		_, seen := c.tr.ended[id] // answered and over already: its events came
		c.mu.Unlock()
		c.note(note{Op: opUnoriginate, ID: id})
		if !seen {
			c.q.push(evs...)
		}
		return nil
	}
	// Unfollowed, the call cannot be handled: end it.
	_ = c.call(context.WithoutCancel(ctx), http.MethodDelete, "/channels/"+seg(id), nil, nil, nil)
	c.note(note{Op: opUnoriginate, ID: id})
	return fmt.Errorf("originate %s: following the leg: %w", id, classify(err))
}

// callerID is Asterisk's caller id form: "Name" <number>, or the number
// alone. Quotes and angle brackets in the name would end it early.
func callerID(name, number string) string {
	name = strings.Map(func(r rune) rune {
		if r == '"' || r == '<' || r == '>' || r == '\\' {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		return number
	}
	return `"` + name + `" <` + number + `>`
}

// pinLocal turns off optimization on a Local endpoint that sets no options
// of its own: an optimized Local channel hands its place in a bridge to the
// channel it dialed, and the id Hotline chose would vanish mid-call.
func pinLocal(endpoint string) string {
	rest, ok := strings.CutPrefix(endpoint, "Local/")
	if !ok || strings.Contains(rest, "/") {
		return endpoint
	}
	return endpoint + "/n"
}

// Bridge implements pbx.Switch.
func (c *Client) Bridge(ctx context.Context, id pbx.BridgeID, chans ...pbx.ChannelID) error {
	what := "bridge " + string(id)
	if id == "" || internalID(string(id)) {
		return fmt.Errorf("%s: %w: bad bridge id", what, pbx.ErrBadRequest)
	}
	err := c.command(ctx, what, http.MethodPost, "/bridges/"+seg(string(id)),
		url.Values{"type": {"mixing"}, "name": {string(id)}}, nil)
	exists := errors.Is(err, pbx.ErrDuplicateID)
	if err != nil && !exists {
		return err
	}
	var in []string
	if exists && len(chans) > 0 {
		// A bridge made before (a held caller coming back): ARI refuses
		// to add a channel already in it, so add only the others.
		var b struct{ Channels []string }
		if err := c.call(ctx, http.MethodGet, "/bridges/"+seg(string(id)), nil, nil, &b); err != nil {
			return fmt.Errorf("%s: %w", what, classify(err))
		}
		in = b.Channels
	}
	var ids []string
	for _, ch := range chans {
		if !slices.Contains(in, string(ch)) {
			ids = append(ids, string(ch))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return c.command(ctx, what, http.MethodPost, "/bridges/"+seg(string(id))+"/addChannel",
		url.Values{"channel": {strings.Join(ids, ",")}}, nil)
}

// Unbridge implements pbx.Switch.
func (c *Client) Unbridge(ctx context.Context, id pbx.BridgeID, ch pbx.ChannelID) error {
	return c.command(ctx, fmt.Sprintf("unbridge %s from %s", ch, id), http.MethodPost,
		"/bridges/"+seg(string(id))+"/removeChannel", url.Values{"channel": {string(ch)}}, nil)
}

// DestroyBridge implements pbx.Switch.
func (c *Client) DestroyBridge(ctx context.Context, id pbx.BridgeID) error {
	return c.command(ctx, "destroy bridge "+string(id), http.MethodDelete, "/bridges/"+seg(string(id)), nil, nil)
}

// StartRecording implements pbx.Switch. Asterisk writes the file as
// <RecordingDir>/<name>.<format>; RecordingFinished.Path says so.
func (c *Client) StartRecording(ctx context.Context, req pbx.RecordRequest) error {
	what := "start recording " + req.Name
	if err := pbx.CheckRecordingName(req.Name); err != nil || strings.Contains(req.Name, ",") {
		return fmt.Errorf("%s: %w: bad recording name", what, pbx.ErrBadRequest)
	}
	format := req.Format
	if format == "" {
		format = c.opts.RecordingFormat
	}
	var p string
	switch {
	case req.Bridge != "":
		p = "/bridges/" + seg(string(req.Bridge)) + "/record"
	case req.Channel != "":
		p = chanPath(req.Channel, "/record")
	default:
		return fmt.Errorf("%s: %w: neither bridge nor channel", what, pbx.ErrBadRequest)
	}
	c.note(note{Op: opRecord, ID: req.Name, Ch: string(req.Channel)})
	c.mu.Lock()
	started := c.tr.recs[req.Name].started
	c.mu.Unlock()
	err := c.command(ctx, what, http.MethodPost, p, url.Values{
		"name":        {req.Name},
		"format":      {format},
		"ifExists":    {"overwrite"},
		"beep":        {"false"},
		"terminateOn": {"none"},
	}, nil)
	if err != nil {
		c.note(note{Op: opUnrecord, ID: req.Name})
		return err
	}
	// Asterisk drops a stop that comes before the recorder joined, so return
	// only once the recording runs.
	select {
	case <-started:
	case <-ctx.Done():
		return fmt.Errorf("%s: waiting for Asterisk to start it: %w", what, ctx.Err())
	case <-time.After(c.opts.RequestTimeout):
		c.log.Warn().Str("recording", req.Name).Msg("no RecordingStarted from Asterisk; a stop may be lost")
	}
	return nil
}

// Listen implements pbx.Switch with a channel recording that Asterisk
// ends on silence (maxSilenceSeconds) or length (maxDurationSeconds). When
// it ends, the file is fetched (GET /recordings/stored/NAME/file) into the
// Utterance and deleted from Asterisk's store.
func (c *Client) Listen(ctx context.Context, req pbx.ListenRequest) error {
	what := "listen " + req.Name
	if err := pbx.CheckRecordingName(req.Name); err != nil || strings.ContainsAny(req.Name, ",/") {
		return fmt.Errorf("%s: %w: bad recording name", what, pbx.ErrBadRequest)
	}
	maxLen, silence := req.Limits()
	if !c.note(note{Op: opListen, ID: req.Name, Ch: string(req.Channel)}) {
		return fmt.Errorf("%s: %w", what, pbx.ErrDuplicateID)
	}
	c.mu.Lock()
	started := c.tr.recs[req.Name].started
	c.mu.Unlock()
	err := c.command(ctx, what, http.MethodPost, chanPath(req.Channel, "/record"), url.Values{
		"name":               {req.Name},
		"format":             {"wav"},
		"ifExists":           {"overwrite"},
		"beep":               {strconv.FormatBool(req.Beep)},
		"terminateOn":        {"none"},
		"maxDurationSeconds": {strconv.Itoa(int(maxLen / time.Second))},
		"maxSilenceSeconds":  {strconv.Itoa(int(silence / time.Second))},
	}, nil)
	if err != nil {
		c.note(note{Op: opUnrecord, ID: req.Name})
		return err
	}
	select { // as StartRecording: a stop before the recorder runs is lost
	case <-started:
	case <-ctx.Done():
		return fmt.Errorf("%s: waiting for Asterisk to start it: %w", what, ctx.Err())
	case <-time.After(c.opts.RequestTimeout):
	}
	return nil
}

// fetchUtterance reads an utterance's file from Asterisk, deletes it
// there, and reports the Utterance.
func (c *Client) fetchUtterance(u pbx.Utterance) {
	ctx := context.Background()
	p := "/recordings/stored/" + seg(u.Name)
	if err := c.call(ctx, http.MethodGet, p+"/file", nil, nil, &u.Audio); err != nil {
		// A caller who said nothing leaves no file: Asterisk drops a
		// recording that is all silence.
		if !errors.Is(classify(err), pbx.ErrNoRecording) || u.Failed {
			u.Failed = true
			u.Err = strings.TrimSpace(u.Err + " fetching the file: " + err.Error())
		}
	} else if err := c.call(ctx, http.MethodDelete, p, nil, nil, nil); err != nil {
		c.log.Warn().Err(err).Str("recording", u.Name).Msg("utterance not deleted at Asterisk")
	}
	c.q.push(u)
}

// StopRecording implements pbx.Switch.
func (c *Client) StopRecording(ctx context.Context, name string) error {
	return c.command(ctx, "stop recording "+name, http.MethodPost, "/recordings/live/"+seg(name)+"/stop", nil, nil)
}

// CheckRecording implements engine.RecordingChecker: a recording whose
// RecordingFinished never came. One still live is stopped (its
// RecordingFinished follows); one over is reported from Asterisk's store,
// or as failed when the store has no such file.
func (c *Client) CheckRecording(ctx context.Context, name string) error {
	what := "check recording " + name
	p := "/recordings/live/" + seg(name)
	var live goari.LiveRecordingData
	err := c.call(ctx, http.MethodGet, p, nil, nil, &live)
	if err != nil && !errors.Is(classify(err), pbx.ErrNoRecording) {
		return fmt.Errorf("%s: %w", what, classify(err))
	}
	// Asterisk still lists a recording as live a moment after it ended,
	// in state done (or failed, canceled): only one still running is
	// stopped, and one that ends between the two requests is over.
	if err == nil && (live.State == "queued" || live.State == "recording" || live.State == "paused") {
		err = c.command(ctx, what+": stop it", http.MethodPost, p+"/stop", nil, nil)
		if !errors.Is(err, pbx.ErrNoRecording) {
			return err
		}
	}
	var stored goari.StoredRecordingData
	err = c.call(ctx, http.MethodGet, "/recordings/stored/"+seg(name), nil, nil, &stored)
	if err != nil && !errors.Is(classify(err), pbx.ErrNoRecording) {
		return fmt.Errorf("%s: %w", what, classify(err))
	}
	e := pbx.RecordingFinished{Base: pbx.Base{At: time.Now()}, Name: name, Failed: err != nil}
	if err == nil {
		format := cmp.Or(stored.Format, c.opts.RecordingFormat)
		e.Path = path.Join(c.opts.RecordingDir, name+"."+format)
	}
	c.mu.Lock()
	delete(c.tr.recs, name)
	c.mu.Unlock()
	c.q.push(e)
	return nil
}

// PauseRecording implements pbx.Switch.
func (c *Client) PauseRecording(ctx context.Context, name string) error {
	return c.command(ctx, "pause recording "+name, http.MethodPost, "/recordings/live/"+seg(name)+"/pause", nil, nil)
}

// ResumeRecording implements pbx.Switch.
func (c *Client) ResumeRecording(ctx context.Context, name string) error {
	return c.command(ctx, "resume recording "+name, http.MethodDelete, "/recordings/live/"+seg(name)+"/pause", nil, nil)
}

// SendDTMF implements pbx.Switch.
func (c *Client) SendDTMF(ctx context.Context, ch pbx.ChannelID, digits string) error {
	for _, d := range digits {
		if !pbx.ValidDigit(d) {
			return fmt.Errorf("send dtmf %q on %s: %w: bad digit %q", digits, ch, pbx.ErrBadRequest, d)
		}
	}
	return c.command(ctx, "send dtmf on "+string(ch), http.MethodPost, chanPath(ch, "/dtmf"), url.Values{"dtmf": {digits}}, nil)
}

// SetVar implements pbx.Switch.
func (c *Client) SetVar(ctx context.Context, ch pbx.ChannelID, name, value string) error {
	return c.command(ctx, fmt.Sprintf("set %s on %s", name, ch), http.MethodPost, chanPath(ch, "/variable"),
		url.Values{"variable": {name}, "value": {value}}, nil)
}

// GetVar implements pbx.Switch.
func (c *Client) GetVar(ctx context.Context, ch pbx.ChannelID, name string) (string, error) {
	var v struct {
		Value string `json:"value"`
	}
	if err := c.call(ctx, http.MethodGet, chanPath(ch, "/variable"), url.Values{"variable": {name}}, nil, &v); err != nil {
		return "", fmt.Errorf("get %s on %s: %w", name, ch, classify(err))
	}
	return v.Value, nil
}

// Spy implements pbx.Switch: a snoop channel on target (hearing both
// directions; whispering to none, to target's far end, or both ways) and the
// supervisor leg meet in a private bridge once the supervisor answers.
func (c *Client) Spy(ctx context.Context, target pbx.ChannelID, mode pbx.SpyMode, req pbx.OriginateRequest) error {
	whisper := map[pbx.SpyMode]string{pbx.SpyListen: "none", pbx.SpyWhisper: "out", pbx.SpyBarge: "both"}[mode]
	what := fmt.Sprintf("spy (%s) on %s", mode, target)
	if whisper == "" {
		return fmt.Errorf("%s: %w: unknown mode %d", what, pbx.ErrBadRequest, mode)
	}
	if req.ChannelID == "" {
		return fmt.Errorf("%s: %w: supervisor channel id is required", what, pbx.ErrBadRequest)
	}
	sp := spy{
		supervisor: string(req.ChannelID),
		snoop:      snoopPrefix + string(req.ChannelID),
		bridge:     spyBridgePrefix + string(req.ChannelID),
	}
	spyNote := note{Op: opSpy, ID: sp.supervisor, Snoop: sp.snoop, Bridge: sp.bridge}
	if !c.note(spyNote) {
		return fmt.Errorf("%s: supervisor leg %s: %w", what, sp.supervisor, pbx.ErrDuplicateID)
	}
	if err := c.command(ctx, what, http.MethodPost, chanPath(target, "/snoop/"+seg(sp.snoop)), url.Values{
		"spy":     {"both"},
		"whisper": {whisper},
		"app":     {c.opts.App},
		"appArgs": {argSnoop},
	}, nil); err != nil {
		c.note(note{Op: opUnspy, ID: sp.supervisor})
		return err
	}
	if err := c.originate(ctx, req, argLeg); err != nil {
		c.note(note{Op: opUnspy, ID: sp.supervisor})
		_ = c.call(context.WithoutCancel(ctx), http.MethodDelete, chanPath(pbx.ChannelID(sp.snoop), ""), nil, nil, nil)
		return err
	}
	return nil
}

var _ pbx.UnattendedReader = (*Client)(nil)

// UnattendedAnswers implements pbx.UnattendedReader: the lead context notes
// a lead that answered while the application was away in a global
// variable (see LeadContext), the detection context a machine (see
// VarMachineMessage), and the lead's hangup handler an unanswered end's
// cause (GoneExten); they are read and cleared here.
func (c *Client) UnattendedAnswers(ctx context.Context, chans []pbx.ChannelID) (map[pbx.ChannelID]pbx.UnattendedEnd, error) {
	out := map[pbx.ChannelID]pbx.UnattendedEnd{}
	for _, ch := range chans {
		name := UnattendedPrefix + string(ch)
		v, err := c.takeGlobal(ctx, name)
		if err != nil {
			return out, fmt.Errorf("unattended answer of %s: %w", ch, err)
		}
		if v == "" {
			// Never answered: the cause the lead context's hangup handler
			// noted (GoneExten), if it says anything.
			n, err := c.takeGoneCause(ctx, string(ch))
			if err != nil {
				return out, fmt.Errorf("end of %s: %w", ch, err)
			}
			if n > 0 {
				out[ch] = pbx.UnattendedEnd{Cause: pbx.Cause(n)}
			}
			continue
		}
		epoch, mark, _ := strings.Cut(strings.TrimSpace(v), " ")
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil || (mark != "" && mark != UnattendedMachine) {
			return out, fmt.Errorf("unattended answer of %s: %s = %q: want a time in seconds, then %s for a machine", ch, name, v, UnattendedMachine)
		}
		out[ch] = pbx.UnattendedEnd{At: time.Unix(sec, 0), Machine: mark == UnattendedMachine}
	}
	return out, nil
}

// globalVar reads one of Asterisk's global variables: "" when unset.
func (c *Client) globalVar(ctx context.Context, name string) (string, error) {
	var v struct {
		Value string `json:"value"`
	}
	err := c.call(ctx, http.MethodGet, "/asterisk/variable", url.Values{"variable": {name}}, nil, &v)
	if errors.Is(classify(err), pbx.ErrNoVariable) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", name, classify(err))
	}
	return v.Value, nil
}

// notedEnd is the end of a lead's unanswered leg as its hangup handler
// noted it (GoneExten), the note read and cleared: OriginateFailed, then
// HungUp. With no note (or none readable) the leg is unreachable.
func (c *Client) notedEnd(ctx context.Context, id string) ([]pbx.Event, error) {
	n, err := c.takeGoneCause(ctx, id)
	reason, why := failReason(&chanState{}, n)
	now := time.Now()
	return []pbx.Event{
		pbx.OriginateFailed{Base: base(id, now), Reason: reason, Cause: why},
		pbx.HungUp{Base: base(id, now), Cause: why},
	}, err
}

// takeGoneCause reads and clears the hangup cause a lead's hangup handler
// noted (GoneExten); 0 when there is none or it is not a number.
func (c *Client) takeGoneCause(ctx context.Context, id string) (int, error) {
	v, err := c.takeGlobal(ctx, GoneLeadPrefix+id)
	n, _ := strconv.Atoi(strings.TrimSpace(v))
	return n, err
}

// takeGlobal reads a global variable and, when set, unsets it (ARI unsets
// a variable set with no value).
func (c *Client) takeGlobal(ctx context.Context, name string) (string, error) {
	v, err := c.globalVar(ctx, name)
	if err != nil || v == "" {
		return v, err
	}
	if err := c.call(ctx, http.MethodPost, "/asterisk/variable", url.Values{"variable": {name}}, nil, nil); err != nil {
		return v, fmt.Errorf("clearing %s: %w", name, classify(err))
	}
	return v, nil
}
