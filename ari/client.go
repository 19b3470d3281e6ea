package ari

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	goari "github.com/CyCoreSystems/ari/v6"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/ari/internal/ws"
)

var _ pbx.Switch = (*Client)(nil)

// Client is a pbx.Switch on Asterisk's ARI. Create it with New, then Start.
type Client struct {
	opts Options
	log  zerolog.Logger
	// noLeadContext warns, once, that the dialplan lacks LeadContext.
	noLeadContext sync.Once
	http          *http.Client
	events        chan pbx.Event
	q             *fifo[pbx.Event] // translated events, on their way to Events
	inbox         *fifo[inItem]    // raw events and link changes, on their way to translation

	mu      sync.Mutex // guards tr, conn, link, started, closed, stop (tr: notes come from commands, events from translate)
	tr      *tracker
	conn    *ws.Conn      // the live websocket, nil while disconnected
	link    pbx.LinkState // what LinkState reports
	started bool
	closed  bool
	stop    context.CancelFunc

	done       chan struct{} // closed when the connection goroutine ends
	translated chan struct{} // closed when the translating goroutine ends

	// trace, when set (tests), sees every raw event before translation and
	// every note.
	trace atomic.Pointer[func([]byte)]
	// beforeFollow, when set (tests), runs before the application
	// subscribes to a leg originated into the dialplan: a slow request.
	beforeFollow func()
}

// New checks opts and returns a Client that is not connected yet.
func New(opts Options) (*Client, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		opts: o,
		log:  o.Log.With().Str("component", "ari").Logger(),
		http: &http.Client{Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
		}},
		events:     make(chan pbx.Event),
		q:          newFIFO[pbx.Event](),
		inbox:      newFIFO[inItem](),
		tr:         newTracker(o.RecordingDir),
		done:       make(chan struct{}),
		translated: make(chan struct{}),
	}
	go c.q.pumpTo(c.events)
	go c.translate()
	return c, nil
}

// Events implements pbx.Switch.
func (c *Client) Events() <-chan pbx.Event { return c.events }

// Start connects to ARI, retrying with backoff until ctx ends, and emits
// Synced with Reconnect false. Every failure to reach Asterisk is retried
// (connection refused, a 503 or 404 while Asterisk starts, a heartbeat that
// does not come back); only a refused login (401, 403) ends Start at once.
// From then on the Client keeps the link up by itself: Disconnected when it
// drops or goes silent, Synced with Reconnect true once it is back.
// LinkState says where the link stands meanwhile.
func (c *Client) Start(ctx context.Context) error {
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return pbx.ErrClosed
	case c.started:
		c.mu.Unlock()
		return ErrStarted
	}
	c.started = true
	runCtx, stop := context.WithCancel(context.Background())
	c.stop = stop
	c.mu.Unlock()

	l, err := c.connect(ctx, runCtx, false)
	if err != nil {
		stop()
		close(c.done)
		return err
	}
	go c.run(runCtx, l)
	return nil
}

// Close implements pbx.Switch.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	started, stop, conn := c.started, c.stop, c.conn
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
	if conn != nil {
		// A closing handshake lets Asterisk retire the application before a
		// successor connects; then the TCP link goes regardless.
		_ = conn.Shutdown()
		select {
		case <-c.done:
		case <-time.After(time.Second):
		}
		_ = conn.Close()
	}
	if started {
		<-c.done
	}
	c.inbox.stop()
	<-c.translated
	c.q.stop()
	c.http.CloseIdleConnections()
	return nil
}

// inItem is one thing for the translating goroutine: a raw ARI event, or a
// change of link (Synced, Disconnected) that must take its place between
// the events.
type inItem struct {
	raw []byte
	do  func()
}

// translate is the one goroutine that turns raw events into pbx events, in
// the order they were read, with link changes in their place.
func (c *Client) translate() {
	defer close(c.translated)
	c.inbox.drain(func(it inItem) bool {
		if it.do != nil {
			it.do()
		} else {
			c.handle(it.raw)
		}
		return true
	})
}

// link is one websocket session and the events read from it before its
// snapshot was taken.
type link struct {
	conn    *ws.Conn
	pending [][]byte
}

// run keeps the link: read until it fails, report Disconnected, connect
// again, report Synced.
func (c *Client) run(ctx context.Context, l link) {
	defer close(c.done)
	for {
		err := c.read(l)
		_ = l.conn.Close()
		c.mu.Lock()
		c.conn = nil
		c.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		c.log.Warn().Err(err).Msg("ARI event link lost; reconnecting")
		c.linkDown(err, false)
		// Pooled REST connections may be as dead as the websocket (a
		// half-open link); reconnecting over one would hang until timeout.
		c.http.CloseIdleConnections()
		lost := pbx.Disconnected{Base: pbx.Base{At: time.Now()}, Err: fmt.Errorf("%w: %w", pbx.ErrDisconnected, err)}
		c.inbox.push(inItem{do: func() { c.q.push(lost) }})
		var cerr error
		if l, cerr = c.connect(ctx, ctx, true); cerr != nil {
			return
		}
	}
}

// connect dials the event websocket, waits for a heartbeat to come back
// through it (proof that Asterisk delivers the application's events) and
// takes a snapshot, retrying with backoff (ReconnectDelay doubling up to
// MaxReconnectDelay) until ctx or life ends.
// The snapshot is taken after the websocket is up, so no event falls
// between the two: events that arrive meanwhile are handled after Synced,
// and the tracker drops what the snapshot already covered.
func (c *Client) connect(ctx, life context.Context, reconnect bool) (link, error) {
	delay := c.opts.ReconnectDelay
	lastErr := ""
	for attempt := 1; ; attempt++ {
		l, live, snap, err := c.connectOnce(ctx)
		if err == nil {
			c.mu.Lock()
			if c.closed {
				c.mu.Unlock()
				_ = l.conn.Close()
				return link{}, pbx.ErrClosed
			}
			c.conn = l.conn
			c.link = pbx.LinkState{Up: true, Since: time.Now()}
			c.mu.Unlock()
			// The snapshot takes effect after the events read before it, and
			// before those read with it.
			at := time.Now()
			c.inbox.push(inItem{do: func() {
				var gone []leadEnd
				if reconnect {
					gone = c.leadsGoneInGap(live)
				}
				c.mu.Lock()
				for _, g := range gone {
					if g.unattended.At.IsZero() {
						c.q.push(c.tr.endedUnseen(at, g.id, g.cause)...)
					} else {
						if snap.Unattended == nil {
							snap.Unattended = map[pbx.ChannelID]pbx.UnattendedEnd{}
						}
						snap.Unattended[pbx.ChannelID(g.id)] = g.unattended
					}
				}
				stale := c.tr.adopt(live.chans, live.bridgeIDs, live.notes)
				c.q.push(pbx.Synced{Base: pbx.Base{At: at}, Snapshot: snap, Reconnect: reconnect})
				c.mu.Unlock()
				for _, e := range stale {
					go c.perform(e)
				}
			}})
			for _, raw := range l.pending {
				c.inbox.push(inItem{raw: raw})
			}
			c.log.Info().Bool("reconnect", reconnect).Int("channels", len(snap.Channels)).
				Int("bridges", len(snap.Bridges)).Msg("connected to ARI")
			return l, nil
		}
		c.linkDown(err, true)
		if loginRefused(err) {
			if !reconnect {
				return link{}, fmt.Errorf("ari: connect %s: %w", c.opts.WebsocketURL, err)
			}
			c.log.Error().Err(err).Msg("Asterisk refuses Hotline's ARI login (ari.conf user and password); retrying")
		}
		if attempt == 1 || attempt%10 == 0 || err.Error() != lastErr {
			c.log.Warn().Err(err).Int("attempt", attempt).Dur("retry_in", delay).Msg("cannot reach ARI; retrying")
		}
		lastErr = err.Error()
		select {
		case <-time.After(delay):
			delay = c.backoff(delay)
		case <-ctx.Done():
			return link{}, fmt.Errorf("ari: connect %s: %w (last error: %w)", c.opts.WebsocketURL, ctx.Err(), err)
		case <-life.Done():
			return link{}, pbx.ErrClosed
		}
	}
}

// leadEnd is how a lead's leg originated into the lead context ended while
// the link was down, as the lead context noted it: answered and told its
// Unattended message or, a machine, its machine message (unattended), or
// unanswered with cause.
type leadEnd struct {
	id         string
	unattended pbx.UnattendedEnd
	cause      int
}

// leadsGoneInGap reads, and clears, the notes the lead and detection
// contexts left for the legs Hotline originated into the lead context or
// with machine detection, unanswered or in detection, that a reconnect's
// snapshot (live) no longer holds. Legs with no note are left out: the
// snapshot drops them, and the engine settles them as it can.
func (c *Client) leadsGoneInGap(live liveSet) []leadEnd {
	held := map[string]bool{}
	for _, lc := range live.chans {
		held[lc.data.ID] = true
	}
	var ids []string
	c.mu.Lock()
	for id, st := range c.tr.chans {
		noted := st.goneNote || st.amd != "" || st.detecting // lead context, or detection's machine note
		if noted && (!st.answered || st.detecting) && st.noted <= live.notes && !held[id] {
			ids = append(ids, id)
		}
	}
	c.mu.Unlock()
	slices.Sort(ids)
	chans := make([]pbx.ChannelID, len(ids))
	for i, id := range ids {
		chans[i] = pbx.ChannelID(id)
	}
	ends, err := c.UnattendedAnswers(context.Background(), chans)
	if err != nil {
		c.log.Warn().Err(err).Msg("how leads ended while the ARI link was down is partly unknown")
	}
	var out []leadEnd
	for _, id := range ids {
		switch u, ok := ends[pbx.ChannelID(id)]; {
		case !ok:
		case !u.At.IsZero():
			out = append(out, leadEnd{id: id, unattended: u})
		default:
			out = append(out, leadEnd{id: id, cause: int(u.Cause)})
		}
	}
	return out
}

// backoff is the pause after d: twice as long, at most MaxReconnectDelay.
func (c *Client) backoff(d time.Duration) time.Duration {
	return min(2*d, max(c.opts.MaxReconnectDelay, c.opts.ReconnectDelay))
}

// loginRefused: Asterisk answered, and refused Hotline's credentials.
func loginRefused(err error) bool {
	var he *ws.HandshakeError
	var ae *apiError
	switch {
	case errors.As(err, &he):
		return he.Status == http.StatusUnauthorized || he.Status == http.StatusForbidden
	case errors.As(err, &ae):
		return ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden
	}
	return false
}

// linkDown records for LinkState that the link went down, or that one more
// attempt to bring it up failed.
func (c *Client) linkDown(err error, attempt bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.link.Down(time.Now(), err, attempt)
}

// LinkState reports the websocket link to Asterisk: up, or down since when
// and why. The HTTP API's /healthz and metrics read it.
func (c *Client) LinkState() pbx.LinkState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.link
}

func (c *Client) connectOnce(ctx context.Context) (link, liveSet, pbx.Snapshot, error) {
	dctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	q := url.Values{"app": {c.opts.App}, "subscribeAll": {"false"}}
	h := http.Header{}
	r, _ := http.NewRequest(http.MethodGet, c.opts.URL, nil)
	r.SetBasicAuth(c.opts.Username, c.opts.Password)
	h.Set("Authorization", r.Header.Get("Authorization"))
	conn, err := ws.Dial(dctx, c.opts.WebsocketURL+"?"+q.Encode(), h, 3*c.opts.PingInterval)
	if err != nil {
		return link{}, liveSet{}, pbx.Snapshot{}, err
	}
	l := link{conn: conn}
	fail := func(err error) (link, liveSet, pbx.Snapshot, error) {
		_ = conn.Close()
		return link{}, liveSet{}, pbx.Snapshot{}, err
	}
	if err := c.heartbeat(dctx); err != nil {
		return fail(err)
	}
	for {
		msg, err := conn.ReadMessage()
		if err != nil {
			return fail(fmt.Errorf("waiting for the first heartbeat: %w", err))
		}
		if isHeartbeat(msg) {
			break
		}
		l.pending = append(l.pending, msg)
	}
	c.mu.Lock()
	notes := c.tr.notes
	c.mu.Unlock()
	live, snap, err := c.snapshot(dctx)
	if err != nil {
		return fail(err)
	}
	live.notes = notes
	return l, live, snap, nil
}

func (c *Client) heartbeat(ctx context.Context) error {
	err := c.call(ctx, http.MethodPost, "/events/user/"+heartbeatEvent, url.Values{"application": {c.opts.App}}, nil, nil)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// heartbeatEvent is the user event the client sends itself through
// Asterisk. Its return over the websocket proves the whole path alive: the
// TCP link, Asterisk's HTTP server and the application's registration.
// (Asterisk can deactivate an application under a live websocket when an
// older websocket of the same application closes late.)
const heartbeatEvent = "hotline-heartbeat"

// read translates events until the websocket fails. Every PingInterval a
// websocket ping and a heartbeat event go out; a link silent for three
// intervals, or without a heartbeat back for four, is closed.
func (c *Client) read(l link) error {
	conn := l.conn
	var lastBeat atomic.Int64
	lastBeat.Store(time.Now().UnixNano())
	var beatErr atomic.Value
	stopPing := make(chan struct{})
	defer close(stopPing)
	go func() {
		t := time.NewTicker(c.opts.PingInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
			case <-stopPing:
				return
			}
			if since := time.Since(time.Unix(0, lastBeat.Load())); since > 4*c.opts.PingInterval {
				beatErr.Store(fmt.Errorf("no heartbeat through Asterisk for %s", since.Round(time.Millisecond)))
				_ = conn.Close()
				return
			}
			if err := conn.Ping(); err != nil {
				_ = conn.Close()
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.opts.PingInterval)
			err := c.heartbeat(ctx)
			cancel()
			if err != nil {
				c.log.Debug().Err(err).Msg("heartbeat not sent")
			}
		}
	}()
	for {
		msg, err := conn.ReadMessage()
		if err != nil {
			if be, ok := beatErr.Load().(error); ok {
				return be
			}
			return err
		}
		if isHeartbeat(msg) {
			lastBeat.Store(time.Now().UnixNano())
			continue
		}
		c.inbox.push(inItem{raw: msg})
	}
}

// note tells the tracker what Hotline is about to ask; see tracker.note.
func (c *Client) note(n note) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := c.tr.note(n)
	if tr := c.trace.Load(); ok && tr != nil {
		b, _ := json.Marshal(n)
		(*tr)(b)
	}
	return ok
}

// handle translates one event and queues the result.
func (c *Client) handle(msg []byte) {
	if tr := c.trace.Load(); tr != nil {
		(*tr)(msg)
	}
	c.mu.Lock()
	evs, effs, err := c.tr.apply(msg)
	c.q.push(evs...)
	unlisted := c.tr.unlisted
	c.tr.unlisted = nil
	c.mu.Unlock()
	if len(unlisted) > 0 {
		c.log.Warn().Strs("missing", unlisted).Strs("want", ChannelVars).
			Msg("ari.conf channelvars lacks Hotline's variables: callers' HOTLINE_PRIORITY is ignored and a restart reads variables one by one; set channelvars in ari.conf's [general]")
	}
	if err != nil {
		c.log.Warn().Err(err).Msg("undecodable ARI event skipped")
	}
	for _, e := range effs {
		go c.perform(e)
	}
}

func isHeartbeat(msg []byte) bool {
	if !bytes.Contains(msg, []byte(heartbeatEvent)) {
		return false
	}
	var e struct {
		Type      string `json:"type"`
		EventName string `json:"eventname"`
	}
	return json.Unmarshal(msg, &e) == nil && e.Type == "ChannelUserevent" && e.EventName == heartbeatEvent
}

// perform does at Asterisk what an event called for: the next item of a
// playback, or wiring and unwiring a spy's private bridge.
func (c *Client) perform(e effect) {
	switch e.kind {
	case effectPlayNext:
		c.playNext(e.item)
		return
	case effectDetectMachine:
		c.detectMachine(e.item.ch, e.item.media)
		return
	case effectUtterance:
		c.fetchUtterance(e.utt)
		return
	case effectEndFromNote:
		evs, err := c.notedEnd(context.Background(), e.item.ch)
		if err != nil {
			c.log.Warn().Err(err).Str("channel", e.item.ch).Msg("lead's end note not read; its leg is reported unreachable")
		}
		c.q.push(evs...)
		return
	case effectClearGone:
		if _, err := c.takeGlobal(context.Background(), GoneLeadPrefix+e.item.ch); err != nil {
			c.log.Warn().Err(err).Str("channel", e.item.ch).Msg("lead's end note left at Asterisk")
		}
		return
	}
	ctx := context.Background()
	sp := e.spy
	var err error
	switch e.kind {
	case effectConnectSpy:
		err = c.call(ctx, http.MethodPost, "/bridges/"+seg(sp.bridge), url.Values{"type": {"mixing"}, "name": {sp.bridge}}, nil, nil)
		if err == nil {
			err = c.call(ctx, http.MethodPost, "/bridges/"+seg(sp.bridge)+"/addChannel",
				url.Values{"channel": {sp.snoop + "," + sp.supervisor}}, nil, nil)
		}
	case effectTeardownSpy:
		gone := func(err error) error {
			if errors.Is(classify(err), pbx.ErrNoChannel) || errors.Is(classify(err), pbx.ErrNoBridge) {
				return nil
			}
			return err
		}
		err = errors.Join(
			gone(c.call(ctx, http.MethodDelete, "/channels/"+seg(sp.snoop), nil, nil, nil)),
			gone(c.call(ctx, http.MethodDelete, "/channels/"+seg(sp.supervisor), nil, nil, nil)),
			gone(c.call(ctx, http.MethodDelete, "/bridges/"+seg(sp.bridge), nil, nil, nil)))
	}
	if err != nil {
		c.log.Error().Err(err).Str("supervisor", sp.supervisor).Str("snoop", sp.snoop).Msg("spy wiring failed")
	}
}

// detectMachine sends an answered leg from Stasis through the detection
// context (AMD(), then back into the application with argAMD). The
// application keeps following the channel meanwhile, so a hangup during
// detection is seen. If Asterisk refuses, the leg is reported answered and
// not sure.
func (c *Client) detectMachine(ch, exten string) {
	ctx := context.Background()
	err := c.call(ctx, http.MethodPost, "/applications/"+seg(c.opts.App)+"/subscription", url.Values{"eventSource": {"channel:" + ch}}, nil, nil)
	if err == nil {
		err = c.call(ctx, http.MethodPost, "/channels/"+seg(ch)+"/variable", url.Values{"variable": {"HOTLINE_APP"}, "value": {c.opts.App}}, nil, nil)
	}
	if err == nil {
		err = c.call(ctx, http.MethodPost, "/channels/"+seg(ch)+"/continue",
			url.Values{"context": {AMDContext}, "extension": {exten}, "priority": {"1"}}, nil, nil)
	}
	if err == nil {
		return
	}
	c.log.Error().Err(err).Str("channel", ch).Msg("answering-machine detection could not start; the answer is reported as not sure")
	c.mu.Lock()
	st := c.tr.chans[ch]
	if st != nil {
		st.detecting, st.amd = false, ""
	}
	c.mu.Unlock()
	if st != nil {
		now := time.Now()
		c.q.push(pbx.MachineDetected{Base: base(ch, now), Status: pbx.AMDNotSure, Cause: "detection failed"}, pbx.Answered{Base: base(ch, now)})
	}
}

// AMDContext is the dialplan context answering-machine detection runs in
// (what "hotline dialplan render" writes as hotline-amd).
const AMDContext = "hotline-amd"

// Snapshot implements pbx.Switch. A channel already reported HungUp is
// left out, though Asterisk may list it for a moment longer.
func (c *Client) Snapshot(ctx context.Context) (pbx.Snapshot, error) {
	_, snap, err := c.snapshot(ctx)
	if err != nil {
		return snap, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	gone := func(id pbx.ChannelID) bool { _, ok := c.tr.ended[string(id)]; return ok }
	snap.Channels = slices.DeleteFunc(snap.Channels, func(ci pbx.ChannelInfo) bool { return gone(ci.ID) })
	for i := range snap.Bridges {
		snap.Bridges[i].Channels = slices.DeleteFunc(snap.Bridges[i].Channels, gone)
	}
	return snap, nil
}

// liveSet is the raw material of a snapshot the tracker adopts.
type liveSet struct {
	chans     []liveChannel
	bridgeIDs []string
	notes     uint64 // tracker.notes before the snapshot was taken
}

func (c *Client) snapshot(ctx context.Context) (liveSet, pbx.Snapshot, error) {
	var app goari.ApplicationData
	if err := c.call(ctx, http.MethodGet, "/applications/"+seg(c.opts.App), nil, nil, &app); err != nil {
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
			return liveSet{}, pbx.Snapshot{}, fmt.Errorf("snapshot: %w", err)
		}
	}
	var chans []goari.ChannelData
	if err := c.call(ctx, http.MethodGet, "/channels", nil, nil, &chans); err != nil {
		return liveSet{}, pbx.Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	var bridges []goari.BridgeData
	if err := c.call(ctx, http.MethodGet, "/bridges", nil, nil, &bridges); err != nil {
		return liveSet{}, pbx.Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	live := selectChannels(c.opts.App, app.ChannelIDs, chans)
	vars := map[string]map[string]string{}
	for _, lc := range live {
		if _, listed := lc.data.ChannelVars[pbx.VarCallID]; listed || lc.role == roleSnoop {
			continue // ari.conf channelvars already brought them
		}
		for _, name := range hotlineVars {
			v, err := c.GetVar(ctx, pbx.ChannelID(lc.data.ID), name)
			switch {
			case err == nil && v != "":
				if vars[lc.data.ID] == nil {
					vars[lc.data.ID] = map[string]string{}
				}
				vars[lc.data.ID][name] = v
			case err == nil, errors.Is(err, pbx.ErrNoVariable), errors.Is(err, pbx.ErrNoChannel):
			default:
				return liveSet{}, pbx.Snapshot{}, fmt.Errorf("snapshot: %w", err)
			}
		}
	}
	set := liveSet{chans: live}
	for _, b := range bridges {
		set.bridgeIDs = append(set.bridgeIDs, b.ID)
	}
	snap := buildSnapshot(live, bridges, app.BridgeIDs, vars)
	started, err := c.switchStarted(ctx)
	if err != nil {
		return liveSet{}, pbx.Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	snap.Started = started
	return set, snap, nil
}

// switchStarted is when Asterisk started, by this machine's clock: its
// startup_time less its own clock's time now (from /asterisk/ping) gives
// its uptime, which holds whatever the two clocks say.
func (c *Client) switchStarted(ctx context.Context) (time.Time, error) {
	var info goari.AsteriskInfo
	if err := c.call(ctx, http.MethodGet, "/asterisk/info", url.Values{"only": {"status"}}, nil, &info); err != nil {
		return time.Time{}, err
	}
	boot := time.Time(info.StatusInfo.StartupTime)
	if boot.IsZero() {
		return time.Time{}, nil
	}
	var ping struct {
		Timestamp goari.DateTime `json:"timestamp"`
	}
	if err := c.call(ctx, http.MethodGet, "/asterisk/ping", nil, nil, &ping); err != nil {
		return time.Time{}, err
	}
	if at := time.Time(ping.Timestamp); !at.IsZero() {
		return time.Now().Add(-at.Sub(boot)), nil
	}
	return boot, nil
}
