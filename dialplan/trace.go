package dialplan

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/dialplan/diag"
	"github.com/hotline-cc/hotline/dialplan/extconf"
)

// Limits of a static walk; a dialplan that needs more is reported as cut.
const (
	maxTraceSteps = 500
	maxTraceDepth = 32
)

// EndKind classifies where a path ends.
type EndKind string

// Ends of a path.
const (
	EndHotline   EndKind = "hotline"    // Stasis into Hotline's application
	EndStasis    EndKind = "stasis"     // Stasis into another application
	EndHangup    EndKind = "hangup"     // Hangup/Busy/Congestion
	EndFallOff   EndKind = "fall-off"   // no next priority: autofallthrough hangs up
	EndNoMatch   EndKind = "no-match"   // no extension matches
	EndLoop      EndKind = "loop"       // back to a step already on the path
	EndDynamic   EndKind = "dynamic"    // a jump whose target holds variables
	EndReturn    EndKind = "return"     // Return outside a Gosub
	EndTruncated EndKind = "truncated"  // the walk hit its limits
	EndHandover  EndKind = "handed-off" // FreeSWITCH: socket/park/bridge/transfer out
)

// Step is one line of a traced path: a priority run, or an end.
type Step struct {
	Depth    int // branches and subroutines indent
	Pos      diag.Pos
	Context  string
	Number   string // the number as the call carries it
	Ext      string // extension that matched (pattern or plain)
	ExtIn    string // context the extension is written in (differs through includes)
	Priority int
	App      string
	Data     string
	Note     string  // what this step means: "if true", "Gosub returns", ...
	End      EndKind // set on the last step of a path
	Args     []string
}

// Trace is the static path of a call from a context and number.
type Trace struct {
	Context, Number string
	Candidates      []extconf.Candidate
	Steps           []Step
}

// Ends returns the steps that end a path.
func (t Trace) Ends() []Step {
	var out []Step
	for _, s := range t.Steps {
		if s.End != "" {
			out = append(out, s)
		}
	}
	return out
}

// TraceAsterisk follows a call to number entering context at priority 1,
// statically: Goto/GotoIf/Gosub are followed (both branches of a
// condition), Stasis/Hangup end the path. cfg (may be nil) names Hotline's
// application and describes its entries.
func TraceAsterisk(d *extconf.Dialplan, context, number, callerID string, cfg *config.Config) Trace {
	t := &tracer{d: d, cid: callerID, cfg: cfg, tr: Trace{Context: context, Number: number}}
	t.tr.Candidates = d.Candidates(context, number, callerID)
	t.walk(context, number, 1, 0, map[string]bool{}, false)
	return t.tr
}

type tracer struct {
	d   *extconf.Dialplan
	cid string
	cfg *config.Config
	tr  Trace
}

func (t *tracer) end(depth int, kind EndKind, pos diag.Pos, format string, args ...any) {
	t.tr.Steps = append(t.tr.Steps, Step{Depth: depth, Pos: pos, End: kind, Note: fmt.Sprintf(format, args...)})
}

// walk runs from (context, number, prio). inSub is true inside a Gosub, where
// Return ends the walk so the caller can go on. It returns true when the
// path returned from a subroutine.
func (t *tracer) walk(context, number string, prio, depth int, onPath map[string]bool, inSub bool) bool {
	if depth > maxTraceDepth {
		t.end(depth, EndTruncated, diag.Pos{}, "nested deeper than %d", maxTraceDepth)
		return false
	}
	for {
		if len(t.tr.Steps) >= maxTraceSteps {
			t.end(depth, EndTruncated, diag.Pos{}, "more than %d steps", maxTraceSteps)
			return false
		}
		p, _, ok := t.d.Find(context, number, t.cid, prio)
		if !ok {
			switch {
			case t.d.Context(context) == nil:
				t.end(depth, EndNoMatch, diag.Pos{}, "context [%s] does not exist", context)
			case prio == 1:
				t.end(depth, EndNoMatch, diag.Pos{}, "no extension matches %s in [%s]", number, context)
			default:
				t.end(depth, EndFallOff, diag.Pos{}, "no priority %d for %s in [%s]: the call hangs up", prio, number, context)
			}
			return false
		}
		key := strings.ToLower(context) + "\x00" + number + "\x00" + strconv.Itoa(prio)
		if onPath[key] {
			t.end(depth, EndLoop, p.At, "loops back to %s,%s,%d", context, number, prio)
			return false
		}
		onPath[key] = true
		defer delete(onPath, key)
		step := Step{Depth: depth, Pos: p.At, Context: context, Number: number, Ext: p.Ext.String(), ExtIn: p.Ext.Context.Name, Priority: prio, App: p.App, Data: p.Data}
		if sc, ok := stasisOf(p.App, p.Data); ok {
			step.End, step.Args = EndStasis, sc.Args
			step.Note = t.describeStasis(sc, number)
			if t.ours(sc.App) {
				step.End = EndHotline
			}
			t.tr.Steps = append(t.tr.Steps, step)
			return false
		}
		if j, ok := jumpOf(p.App, p.Data); ok {
			t.tr.Steps = append(t.tr.Steps, step)
			return t.jump(j, context, number, prio, depth, onPath, inSub)
		}
		switch strings.ToLower(p.App) {
		case "return", "stackpop":
			if inSub {
				t.tr.Steps = append(t.tr.Steps, step)
				return true
			}
			step.End, step.Note = EndReturn, "Return outside a Gosub: the call hangs up"
			t.tr.Steps = append(t.tr.Steps, step)
			return false
		case "hangup", "busy", "congestion":
			step.End, step.Note = EndHangup, "the call ends"
			t.tr.Steps = append(t.tr.Steps, step)
			return false
		case "queue":
			step.Note = "Asterisk's own queue; the dialplan goes on when the caller leaves it"
		case "dial":
			step.Note = "the dialplan goes on if the call is not answered"
		}
		t.tr.Steps = append(t.tr.Steps, step)
		prio++
	}
}

// jump follows a Goto/Gosub/GotoIf from (context, number, prio).
func (t *tracer) jump(j jump, context, number string, prio, depth int, onPath map[string]bool, inSub bool) bool {
	follow := func(tg target, d int) (ctx, num string, pr int, ok bool) {
		if tg.Empty {
			return context, number, prio + 1, true
		}
		if tg.dynamic() {
			t.end(d, EndDynamic, diag.Pos{}, "jump to %s depends on variables: not followed", tg)
			return "", "", 0, false
		}
		ctx, num = context, number
		if tg.Context != "" {
			ctx = tg.Context
		}
		if tg.Exten != "" {
			num = tg.Exten
		}
		if n, err := strconv.Atoi(tg.Priority); err == nil {
			return ctx, num, n, true
		}
		p, _, found := t.d.FindLabel(ctx, num, t.cid, tg.Priority)
		if !found {
			t.end(d, EndNoMatch, diag.Pos{}, "label %q not found for %s in [%s]", tg.Priority, num, ctx)
			return "", "", 0, false
		}
		return ctx, num, p.N, true
	}
	if !j.Cond {
		ctx, num, pr, ok := follow(j.Targets[0], depth)
		if !ok {
			return false
		}
		if j.Kind == jumpGosub {
			if !t.walk(ctx, num, pr, depth+1, onPath, true) {
				return false
			}
			return t.walk(context, number, prio+1, depth, onPath, inSub)
		}
		return t.walk(ctx, num, pr, depth, onPath, inSub)
	}
	returned := false
	for i, tg := range j.Targets {
		label := "if true"
		if i == 1 {
			label = "if false"
		}
		t.tr.Steps = append(t.tr.Steps, Step{Depth: depth + 1, Note: label})
		ctx, num, pr, ok := follow(tg, depth+1)
		if !ok {
			continue
		}
		if j.Kind == jumpGosub && !tg.Empty {
			if t.walk(ctx, num, pr, depth+2, onPath, true) {
				returned = t.walk(context, number, prio+1, depth+1, onPath, inSub) || returned
			}
			continue
		}
		returned = t.walk(ctx, num, pr, depth+1, onPath, inSub) || returned
	}
	return returned
}

func (t *tracer) ours(app string) bool {
	return t.cfg != nil && app == t.cfg.PBX.Asterisk.App
}

// describeStasis says what a Stasis call means for Hotline.
func (t *tracer) describeStasis(sc stasisCall, number string) string {
	if t.cfg == nil {
		return fmt.Sprintf("Stasis application %s with args %v", sc.App, sc.Args)
	}
	if !t.ours(sc.App) {
		return fmt.Sprintf("Stasis application %s, which is not Hotline's (%s)", sc.App, t.cfg.PBX.Asterisk.App)
	}
	if len(sc.Args) == 0 {
		return "Hotline, without entry arguments"
	}
	switch sc.Args[0] {
	case "entry":
		n := number
		if len(sc.Args) > 1 && !dynamic(sc.Args[1]) {
			n = sc.Args[1]
		}
		for _, e := range t.cfg.Entries {
			if e.Number == n {
				return fmt.Sprintf("Hotline entry %s → %s", n, entryTarget(e))
			}
		}
		if t.cfg.File() == "" {
			return fmt.Sprintf("Hotline entry %s (no config given; --config checks it)", n)
		}
		return fmt.Sprintf("Hotline entry %s, which %s does not have", n, t.cfg.File())
	case "amd":
		return "Hotline dialer: answering-machine result"
	}
	return fmt.Sprintf("Hotline with args %v", sc.Args)
}

// WriteTrace prints a trace for people.
func WriteTrace(w io.Writer, t Trace) {
	fmt.Fprintf(w, "%s in [%s]\n", t.Number, t.Context)
	if len(t.Candidates) > 0 {
		fmt.Fprintf(w, "  matching extensions, in the order Asterisk tries them:\n")
		for i, c := range t.Candidates {
			via := ""
			for _, inc := range c.Via {
				via += " via include " + inc.Context
			}
			fmt.Fprintf(w, "    %d. %-16s [%s]%s  %s\n", i+1, c.Ext, c.Ext.Context.Name, via, c.Ext.At)
		}
	}
	fmt.Fprintf(w, "  path:\n")
	for _, s := range t.Steps {
		indent := strings.Repeat("  ", s.Depth+2)
		switch {
		case s.App != "":
			in := ""
			if !strings.EqualFold(s.ExtIn, s.Context) {
				in = " [" + s.ExtIn + "]"
			}
			fmt.Fprintf(w, "%s%s,%s,%d%s  %s(%s)  %s\n", indent, s.Context, s.Ext, s.Priority, in, s.App, s.Data, s.Pos)
			if s.Note != "" {
				fmt.Fprintf(w, "%s  → %s\n", indent, s.Note)
			}
		case s.End != "":
			fmt.Fprintf(w, "%s→ %s\n", indent, s.Note)
		default:
			fmt.Fprintf(w, "%s%s:\n", indent, s.Note)
		}
	}
}
