package esl

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// outboundServer accepts the connections the dialplan's "socket"
// application makes. A connection only hands the
// call over: the call is announced by its CHANNEL_PARK on the inbound link,
// in order with its other events, and controlled from there. The socket is
// held open for the life of the call so FreeSWITCH knows Hotline has it,
// with the channel's socket_resume set so that the dialplan goes on if
// Hotline goes away (not the "resume" command, whose flag cannot be taken
// back: Bridge sets socket_resume=false, see doc.go).
type outboundServer struct {
	s  *Switch
	ln net.Listener

	mu    sync.Mutex // guards conns
	conns map[net.Conn]bool
}

func newOutboundServer(s *Switch, ln net.Listener) *outboundServer {
	return &outboundServer{s: s, ln: ln, conns: make(map[net.Conn]bool)}
}

func (o *outboundServer) serve() {
	defer o.s.wg.Done()
	for {
		c, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.mu.Lock()
		if o.conns == nil {
			o.mu.Unlock()
			c.Close()
			return
		}
		o.conns[c] = true
		o.mu.Unlock()
		o.s.wg.Add(1)
		go o.handle(c)
	}
}

func (o *outboundServer) close() {
	o.ln.Close()
	o.mu.Lock()
	for c := range o.conns {
		c.Close()
	}
	o.conns = nil
	o.mu.Unlock()
}

func (o *outboundServer) handle(c net.Conn) {
	defer o.s.wg.Done()
	defer func() {
		c.Close()
		o.mu.Lock()
		delete(o.conns, c)
		o.mu.Unlock()
	}()
	log := o.s.log.With().Str("remote", c.RemoteAddr().String()).Logger()
	r := bufio.NewReader(c)
	ask := func(cmd command.Command) (wire.Frame, error) {
		_ = c.SetDeadline(time.Now().Add(o.s.opts.CommandTimeout))
		defer c.SetDeadline(time.Time{})
		if _, err := c.Write(message(cmd)); err != nil {
			return wire.Frame{}, err
		}
		return wire.ReadFrame(r)
	}
	f, err := ask(command.Connect{})
	if err != nil {
		log.Warn().Err(err).Msg("outbound socket: connect failed")
		return
	}
	data := wire.EventFromFrame(f)
	uuid := data.Get("Unique-ID")
	log = log.With().Str("channel", uuid).Logger()
	if !strings.HasPrefix(data.Get("Reply-Text"), "+OK") {
		log.Warn().Str("reply", data.Get("Reply-Text")).Msg("outbound socket: connect refused")
		return
	}
	if !data.Has("variable_hotline_args") {
		log.Warn().Msg("outbound socket: the dialplan set no hotline_args before socket; the call will not reach Hotline")
	}
	if f, err := ask(command.API{Command: "uuid_setvar", Arguments: uuid + " socket_resume true"}); err != nil || !strings.HasPrefix(f.ReplyText(), "+OK") {
		log.Warn().Err(err).Str("reply", f.ReplyText()).Msg("outbound socket: socket_resume refused")
	}
	log.Debug().Msg("outbound socket: call handed over")
	for {
		f, err := wire.ReadFrame(r)
		if err != nil {
			return
		}
		if f.ContentType() == wire.TypeDisconnect {
			log.Debug().Msg("outbound socket: disconnect notice")
			return
		}
	}
}
