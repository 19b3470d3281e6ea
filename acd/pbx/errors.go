package pbx

import "errors"

// Errors a backend returns; wrap them with context.
var (
	ErrNoChannel    = errors.New("pbx: no such channel")
	ErrNoBridge     = errors.New("pbx: no such bridge")
	ErrNoPlayback   = errors.New("pbx: no such playback")
	ErrNoRecording  = errors.New("pbx: no such recording")
	ErrNoVariable   = errors.New("pbx: variable not set")
	ErrDisconnected = errors.New("pbx: not connected to the switch")
	ErrClosed       = errors.New("pbx: switch closed")
	ErrBadRequest   = errors.New("pbx: bad request")
	ErrDuplicateID  = errors.New("pbx: id already in use")
)

// Variables Hotline sets on channels it handles, so that after a restart the
// switch itself tells which call and role a channel belongs to.
const (
	VarCallID = "HOTLINE_CALL"  // Hotline's call id
	VarRole   = "HOTLINE_ROLE"  // "caller", "agent", "supervisor", "lead"
	VarAgent  = "HOTLINE_AGENT" // agent id on agent legs
	VarQueue  = "HOTLINE_QUEUE" // queue name on caller legs

	// VarPriority is read, not set: the dialplan may give a caller a
	// priority (an integer; higher is served first).
	VarPriority = "HOTLINE_PRIORITY"

	// VarAMDStatus is, in a snapshot, the answering-machine verdict (an
	// AMD* word) of a lead's channel whose MachineDetected the switch
	// reported before Hotline could take it.
	VarAMDStatus = "AMDSTATUS"
)
