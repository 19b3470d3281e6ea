package dialplan

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/ari"
)

// Names of what Hotline renders.
const (
	AsteriskManagedFile   = "extensions_hotline.conf"
	AsteriskMainFile      = "extensions.conf"
	AsteriskEntryContext  = "hotline-entries"
	AsteriskAMDContext    = "hotline-amd"
	AsteriskLeadContext   = ari.LeadContext
	FreeSWITCHManagedFile = "dialplan/hotline.xml"
	FreeSWITCHContext     = "hotline"
	FreeSWITCHEntryVar    = "hotline_args" // "entry,<number>": becomes CallArrived.Args
)

// File is one rendered file. Name is relative to the PBX's configuration
// directory.
type File struct {
	Name    string
	Data    []byte
	Managed bool   // apply writes it; otherwise a snippet merged by hand
	Note    string // what the admin does with it
}

// Files is a rendering, the managed file first.
type Files []File

// Managed returns the file apply owns.
func (fs Files) Managed() (File, bool) {
	for _, f := range fs {
		if f.Managed {
			return f, true
		}
	}
	return File{}, false
}

// FreeSWITCHMode is how FreeSWITCH hands entry calls to Hotline.
type FreeSWITCHMode string

// FreeSWITCH hand-over modes.
const (
	// ModeSocket runs the socket application: FreeSWITCH connects to
	// Hotline's outbound listener (pbx.freeswitch.outbound_listen). When
	// Hotline is down, or goes away, the call goes on to the fallback action
	// after it: park, so that Hotline finds the caller when it is back, and
	// a conversation in progress goes on. Without an action after socket,
	// FreeSWITCH hangs up every call whose socket closed, bridged or not.
	ModeSocket FreeSWITCHMode = "socket"
	// ModePark parks the call; Hotline picks it up over its inbound ESL
	// connection from the CHANNEL_PARK event. The default: calls, waiting
	// and talking alike, live through a restart of Hotline.
	ModePark FreeSWITCHMode = "park"
)

const managedHeader = "Written by `hotline dialplan apply` from Hotline's config; edits here are overwritten."

// RenderAsterisk renders extensions_hotline.conf (managed) and the http.conf
// and ari.conf snippets ARI needs. The e2e suite writes these into a real
// Asterisk's config directory.
func RenderAsterisk(cfg config.Config) (Files, error) {
	app := cfg.PBX.Asterisk.App
	if app == "" || strings.ContainsAny(app, ",;()[]{}$ \t\n\"") {
		return nil, fmt.Errorf("pbx.asterisk.app %q: %w", app, ErrNoApp)
	}
	if err := checkEntries(cfg.Entries); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "; %s\n", AsteriskManagedFile)
	fmt.Fprintf(&b, "; %s\n", managedHeader)
	fmt.Fprintf(&b, ";\n; Send calls here from a trunk's or phones' context with:\n;   include => %s\n", AsteriskEntryContext)
	fmt.Fprintf(&b, "; Each entry enters Hotline's ARI application as Stasis(%s,entry,<number>).\n\n", app)
	fmt.Fprintf(&b, "[%s]\n", AsteriskEntryContext)
	for _, e := range cfg.Entries {
		fmt.Fprintf(&b, "; %s -> %s\n", e.Number, oneLine(entryTarget(e)))
		fmt.Fprintf(&b, "exten => %s,1,NoOp(Hotline entry %s)\n", e.Number, e.Number)
		fmt.Fprintf(&b, " same => n,Stasis(%s,entry,%s)\n", app, e.Number)
		fmt.Fprintf(&b, " same => n,Hangup()\n")
	}
	fmt.Fprintf(&b, "\n; Leads Hotline's dialer calls with a safe-harbour message: answered, a lead\n")
	fmt.Fprintf(&b, "; enters the application; should that fail (Hotline is down) it hears the\n")
	fmt.Fprintf(&b, "; message at once (extension unattended), and the answer is noted for\n")
	fmt.Fprintf(&b, "; Hotline's restart.\n")
	fmt.Fprintf(&b, "[%s]\n", AsteriskLeadContext)
	fmt.Fprintf(&b, "exten => s,1(%s),NoOp(Hotline dialer lead)\n", ari.LeadLabel)
	fmt.Fprintf(&b, " same => n,Stasis(%s,leg)\n", app)
	fmt.Fprintf(&b, " same => n,GotoIf($[\"${STASISSTATUS}\" = \"FAILED\"]?unattended,1)\n")
	fmt.Fprintf(&b, " same => n,Hangup()\n")
	fmt.Fprintf(&b, "exten => unattended,1,NoOp(Hotline dialer lead answered while Hotline is away)\n")
	fmt.Fprintf(&b, " same => n,Set(GLOBAL(%s${UNIQUEID})=${EPOCH})\n", ari.UnattendedPrefix)
	fmt.Fprintf(&b, " same => n,ExecIf($[\"${%s}\" != \"\"]?Playback(${%s}))\n", ari.VarUnattended, ari.VarUnattended)
	fmt.Fprintf(&b, " same => n,Hangup()\n")
	fmt.Fprintf(&b, "; The hangup handler of a lead's channel: one over unanswered notes its cause\n")
	fmt.Fprintf(&b, "; for Hotline, which may not follow the channel yet (a lead busy at once). A\n")
	fmt.Fprintf(&b, "; Local channel whose far half ran Busy() ends with cause 0: the far half's\n")
	fmt.Fprintf(&b, "; cause is noted instead.\n")
	fmt.Fprintf(&b, "exten => %s,1,GotoIf($[\"${CHANNEL(state)}\" = \"Up\"]?done)\n", ari.GoneExten)
	fmt.Fprintf(&b, " same => n,Set(GLOBAL(%s${UNIQUEID})=${HANGUPCAUSE})\n", ari.GoneLeadPrefix)
	fmt.Fprintf(&b, " same => n,GotoIf($[\"${HANGUPCAUSE}\" != \"0\" | \"${CHANNEL(channeltype)}\" != \"Local\"]?done)\n")
	fmt.Fprintf(&b, " same => n,Set(GLOBAL(%s${UNIQUEID})=${IMPORT(${CUT(CHANNEL(name),\\;,1)}\\;2,HANGUPCAUSE)})\n", ari.GoneLeadPrefix)
	fmt.Fprintf(&b, " same => n(done),Return()\n")
	fmt.Fprintf(&b, "\n; Answering-machine detection for Hotline's dialer: an answered lead's channel\n")
	fmt.Fprintf(&b, "; is sent to extension s here (beep: a machine is also waited for past its\n")
	fmt.Fprintf(&b, "; beep, the first 1.5 s of silence); the dialer reads Args [amd, status, cause].\n")
	fmt.Fprintf(&b, "; A person back from detection while Hotline is down hears the safe-harbour message;\n")
	fmt.Fprintf(&b, "; a machine is left the campaign's machine message, if any (extension machine),\n")
	fmt.Fprintf(&b, "; and is noted for Hotline's restart.\n")
	fmt.Fprintf(&b, "[%s]\n", AsteriskAMDContext)
	fmt.Fprintf(&b, "exten => s,1,NoOp(Hotline dialer answering-machine detection)\n")
	fmt.Fprintf(&b, " same => n,AMD()\n")
	fmt.Fprintf(&b, " same => n,Stasis(%s,amd,${AMDSTATUS},${AMDCAUSE})\n", app)
	fmt.Fprintf(&b, " same => n,GotoIf(%s?%s,unattended,1)\n", amdUnattended, AsteriskLeadContext)
	fmt.Fprintf(&b, " same => n,GotoIf(%s?machine,1)\n", amdMachineUnattended)
	fmt.Fprintf(&b, " same => n,Hangup()\n")
	fmt.Fprintf(&b, "exten => beep,1,NoOp(Hotline dialer answering-machine detection, to the beep)\n")
	fmt.Fprintf(&b, " same => n,AMD()\n")
	fmt.Fprintf(&b, " same => n,ExecIf($[\"${AMDSTATUS}\" = \"MACHINE\"]?WaitForSilence(1500,1,30))\n")
	fmt.Fprintf(&b, " same => n,Stasis(%s,amd,${AMDSTATUS},${AMDCAUSE})\n", app)
	fmt.Fprintf(&b, " same => n,GotoIf(%s?%s,unattended,1)\n", amdUnattended, AsteriskLeadContext)
	fmt.Fprintf(&b, " same => n,GotoIf(%s?machine,1)\n", amdMachineUnattended)
	fmt.Fprintf(&b, " same => n,Hangup()\n")
	fmt.Fprintf(&b, "exten => machine,1,NoOp(Hotline dialer answering machine while Hotline is away)\n")
	fmt.Fprintf(&b, " same => n,Set(GLOBAL(%s${UNIQUEID})=${EPOCH} %s)\n", ari.UnattendedPrefix, ari.UnattendedMachine)
	fmt.Fprintf(&b, " same => n,ExecIf($[\"${%s}\" != \"\"]?Playback(${%s}))\n", ari.VarMachineMessage, ari.VarMachineMessage)
	fmt.Fprintf(&b, " same => n,Hangup()\n")

	host, port := "127.0.0.1", "8088"
	prefix := ""
	if u, err := url.Parse(cfg.PBX.Asterisk.URL); err == nil && u.Host != "" {
		if h, p, err := net.SplitHostPort(u.Host); err == nil {
			host, port = h, p
		} else {
			host = u.Host
		}
		p := strings.Trim(u.Path, "/")
		prefix = strings.Trim(strings.TrimSuffix(p, "ari"), "/")
	}
	var httpConf bytes.Buffer
	fmt.Fprintf(&httpConf, "; http.conf: ARI is served by Asterisk's HTTP server (merge into [general]).\n")
	fmt.Fprintf(&httpConf, "[general]\nenabled = yes\nbindaddr = %s\nbindport = %s\n", host, port)
	if prefix != "" {
		fmt.Fprintf(&httpConf, "prefix = %s\n", prefix)
	}
	user := cfg.PBX.Asterisk.Username
	if user == "" {
		user = "hotline"
	}
	var ariConf bytes.Buffer
	fmt.Fprintf(&ariConf, "; ari.conf: the user Hotline logs in with, and the channel variables Hotline\n")
	fmt.Fprintf(&ariConf, "; reads (without HOTLINE_PRIORITY in channelvars a caller's priority is ignored).\n")
	fmt.Fprintf(&ariConf, "; Recordings: Asterisk writes them to %s, which a stock\n", ari.DefaultRecordingDir)
	fmt.Fprintf(&ariConf, "; Debian install lacks: mkdir -p %s && chown asterisk: %s\n", ari.DefaultRecordingDir, ari.DefaultRecordingDir)
	fmt.Fprintf(&ariConf, "[general]\nenabled = yes\nchannelvars = %s\n\n", strings.Join(ari.ChannelVars, ","))
	fmt.Fprintf(&ariConf, "[%s]\ntype = user\nread_only = no\npassword = %s\n", user, escapeConf(cfg.PBX.Asterisk.Password))
	return Files{
		{Name: AsteriskManagedFile, Data: b.Bytes(), Managed: true,
			Note: fmt.Sprintf("written by apply and #included from %s", AsteriskMainFile)},
		{Name: "http.conf", Data: httpConf.Bytes(), Note: "merge by hand"},
		{Name: "ari.conf", Data: ariConf.Bytes(), Note: "merge by hand"},
	}, nil
}

// amdUnattended is the condition on which a lead back from detection with
// no application to enter (Hotline is down) is noted as answered and hears
// its unattended message, if it has one (a survey's may have none): a
// person, or one detection was not sure of.
const amdUnattended = `$["${STASISSTATUS}" = "FAILED" & "${AMDSTATUS}" != "MACHINE"]`

// amdMachineUnattended is the condition on which a machine back from
// detection with no application to enter is noted and left the campaign's
// machine message (VarMachineMessage, empty when it leaves none).
const amdMachineUnattended = `$["${STASISSTATUS}" = "FAILED" & "${AMDSTATUS}" = "MACHINE"]`

// RenderFreeSWITCH renders dialplan/hotline.xml (managed) and the
// event_socket.conf.xml settings for Hotline's inbound ESL connection.
func RenderFreeSWITCH(cfg config.Config, mode FreeSWITCHMode) (Files, error) {
	if mode == "" {
		mode = ModePark
	}
	if mode != ModeSocket && mode != ModePark {
		return nil, fmt.Errorf("freeswitch mode %q: want socket or park", mode)
	}
	if mode == ModeSocket && cfg.PBX.FreeSWITCH.OutboundListen == "" {
		return nil, ErrNoListen
	}
	if err := checkEntries(cfg.Entries); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!-- %s\n     %s\n", FreeSWITCHManagedFile, managedHeader)
	fmt.Fprintf(&b, "     Send calls here by setting a SIP profile's context to %q, or with\n", FreeSWITCHContext)
	fmt.Fprintf(&b, "     <action application=\"transfer\" data=\"$1 XML %s\"/> from another context. -->\n", FreeSWITCHContext)
	fmt.Fprintf(&b, "<include>\n  <context name=%s>\n", attr(FreeSWITCHContext))
	for _, e := range cfg.Entries {
		fmt.Fprintf(&b, "    <!-- %s -> %s -->\n", e.Number, strings.ReplaceAll(oneLine(entryTarget(e)), "--", "- -"))
		fmt.Fprintf(&b, "    <extension name=%s>\n", attr("hotline-entry-"+e.Number))
		fmt.Fprintf(&b, "      <condition field=\"destination_number\" expression=%s>\n", attr("^"+regexp.QuoteMeta(e.Number)+"$"))
		fmt.Fprintf(&b, "        <action application=\"set\" data=%s/>\n", attr(FreeSWITCHEntryVar+"=entry,"+e.Number))
		// Hotline bridges the caller itself; keep the leg up between bridges.
		fmt.Fprintf(&b, "        <action application=\"set\" data=\"park_after_bridge=true\"/>\n")
		fmt.Fprintf(&b, "        <action application=\"set\" data=\"hangup_after_bridge=false\"/>\n")
		if mode == ModeSocket {
			fmt.Fprintf(&b, "        <action application=\"socket\" data=%s/>\n", attr(cfg.PBX.FreeSWITCH.OutboundListen+" async full"))
			fmt.Fprintf(&b, "        <!-- Fallback: reached when Hotline is down or goes away. Parked, the caller\n")
			fmt.Fprintf(&b, "             is picked up by Hotline when it is back, and a conversation goes on;\n")
			fmt.Fprintf(&b, "             with no action here FreeSWITCH would hang up the call. -->\n")
		}
		fmt.Fprintf(&b, "        <action application=\"park\"/>\n")
		fmt.Fprintf(&b, "      </condition>\n    </extension>\n")
	}
	fmt.Fprintf(&b, "  </context>\n</include>\n")

	host, port := "127.0.0.1", "8021"
	if h, p, err := net.SplitHostPort(cfg.PBX.FreeSWITCH.Address); err == nil {
		host, port = h, p
	}
	password := cfg.PBX.FreeSWITCH.Password
	if password == "" {
		password = "ClueCon"
	}
	var esl bytes.Buffer
	fmt.Fprintf(&esl, "<!-- autoload_configs/event_socket.conf.xml: where Hotline's inbound ESL connection logs in. -->\n")
	fmt.Fprintf(&esl, "<configuration name=\"event_socket.conf\" description=\"Socket Client\">\n  <settings>\n")
	fmt.Fprintf(&esl, "    <param name=\"nat-map\" value=\"false\"/>\n")
	fmt.Fprintf(&esl, "    <param name=\"listen-ip\" value=%s/>\n", attr(host))
	fmt.Fprintf(&esl, "    <param name=\"listen-port\" value=%s/>\n", attr(port))
	fmt.Fprintf(&esl, "    <param name=\"password\" value=%s/>\n", attr(password))
	// Only Hotline's host may log in; loopback.auto and localnet.auto are
	// lists FreeSWITCH builds itself.
	acl := "localnet.auto"
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		acl = "loopback.auto"
	}
	fmt.Fprintf(&esl, "    <param name=\"apply-inbound-acl\" value=%s/>\n", attr(acl))
	fmt.Fprintf(&esl, "  </settings>\n</configuration>\n")
	return Files{
		{Name: FreeSWITCHManagedFile, Data: b.Bytes(), Managed: true,
			Note: "written by apply; freeswitch.xml includes dialplan/*.xml"},
		{Name: "autoload_configs/event_socket.conf.xml", Data: esl.Bytes(), Note: "merge by hand"},
	}, nil
}

// Render renders for the named PBX ("asterisk" or "freeswitch").
func Render(cfg config.Config, pbxType string, mode FreeSWITCHMode) (Files, error) {
	switch pbxType {
	case "asterisk":
		return RenderAsterisk(cfg)
	case "freeswitch":
		return RenderFreeSWITCH(cfg, mode)
	}
	return nil, fmt.Errorf("%q: %w", pbxType, ErrUnknownPBX)
}

// checkEntries refuses numbers that would not read back as one plain
// extension: empty, a leading '_' (a pattern), or characters that end a
// field, open a comment or start a variable.
func checkEntries(entries []config.Entry) error {
	seen := map[string]bool{}
	for i, e := range entries {
		switch {
		case e.Number == "":
			return fmt.Errorf("entries[%d]: empty number: %w", i, ErrBadEntry)
		case strings.HasPrefix(e.Number, "_"):
			return fmt.Errorf("entries[%d] number %q starts with '_' (a pattern): %w", i, e.Number, ErrBadEntry)
		case strings.ContainsAny(e.Number, config.DialplanSpecials+" \t\r\n"):
			return fmt.Errorf("entries[%d] number %q: %w", i, e.Number, ErrBadEntry)
		case seen[e.Number]:
			return fmt.Errorf("entries[%d] number %q appears twice: %w", i, e.Number, ErrBadEntry)
		}
		seen[e.Number] = true
	}
	return nil
}

func entryTarget(e config.Entry) string {
	switch {
	case e.Queue != "":
		return "queue " + e.Queue
	case e.Menu != "":
		return "menu " + e.Menu
	case e.Flow != "":
		return "flow " + e.Flow
	}
	return "no target"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// escapeConf protects ';' which would start a comment in Asterisk's files.
func escapeConf(s string) string {
	return strings.NewReplacer("\n", "", "\r", "", ";", `\;`).Replace(s)
}

func attr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	_ = xml.EscapeText(&b, []byte(s))
	b.WriteByte('"')
	return b.String()
}
