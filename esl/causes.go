package esl

import (
	"strconv"
	"strings"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// causeNames maps FreeSWITCH hang-up cause names to Q.850 codes. Names
// outside Q.850 (USER_NOT_REGISTERED, ORIGINATOR_CANCEL, ...) get the code
// FreeSWITCH itself reports for them or the nearest Q.850 meaning.
var causeNames = map[string]pbx.Cause{
	"UNALLOCATED_NUMBER":        1,
	"NO_ROUTE_DESTINATION":      3,
	"NORMAL_CLEARING":           16,
	"USER_BUSY":                 17,
	"NO_USER_RESPONSE":          18,
	"NO_ANSWER":                 19,
	"SUBSCRIBER_ABSENT":         20,
	"CALL_REJECTED":             21,
	"NUMBER_CHANGED":            22,
	"DESTINATION_OUT_OF_ORDER":  27,
	"INVALID_NUMBER_FORMAT":     28,
	"NORMAL_UNSPECIFIED":        31,
	"NORMAL_CIRCUIT_CONGESTION": 34,
	"NETWORK_OUT_OF_ORDER":      38,
	"NORMAL_TEMPORARY_FAILURE":  41,
	"SWITCH_CONGESTION":         42,
	"RECOVERY_ON_TIMER_EXPIRE":  102,
	"USER_NOT_REGISTERED":       20, // FreeSWITCH 606; no phone registered = subscriber absent
	"ORIGINATOR_CANCEL":         pbx.CauseOriginatorCancel,
	"LOSE_RACE":                 502,
	"MANAGER_REQUEST":           pbx.CauseManagerRequest,
	"SYSTEM_SHUTDOWN":           pbx.CauseSwitchShutdown,
	"ALLOTTED_TIMEOUT":          602,
	"MEDIA_TIMEOUT":             604,
	"PROGRESS_TIMEOUT":          607,
}

// causeName is the FreeSWITCH name Hotline sends for a cause.
func causeName(c pbx.Cause) string {
	switch c {
	case pbx.CauseNormal:
		return "NORMAL_CLEARING"
	case pbx.CauseBusy:
		return "USER_BUSY"
	case pbx.CauseNoAnswer:
		return "NO_ANSWER"
	case pbx.CauseNoUserResponse:
		return "NO_USER_RESPONSE"
	case pbx.CauseRejected:
		return "CALL_REJECTED"
	case pbx.CauseUnallocated:
		return "UNALLOCATED_NUMBER"
	case pbx.CauseUnreachable:
		return "DESTINATION_OUT_OF_ORDER"
	case pbx.CauseCongestion:
		return "NORMAL_CIRCUIT_CONGESTION"
	case pbx.CauseNormalUnspec:
		return "NORMAL_UNSPECIFIED"
	case pbx.CauseOriginatorCancel:
		return "ORIGINATOR_CANCEL"
	}
	for name, code := range causeNames {
		if code == c {
			return name
		}
	}
	return "NORMAL_CLEARING"
}

// parseCause reads a FreeSWITCH cause name, falling back to a numeric
// Q.850 code (variable_hangup_cause_q850) and then to normal clearing.
func parseCause(name, q850 string) pbx.Cause {
	if c, ok := causeNames[strings.ToUpper(strings.TrimSpace(name))]; ok {
		return c
	}
	if n, err := strconv.Atoi(strings.TrimSpace(q850)); err == nil && n > 0 {
		return pbx.Cause(n)
	}
	return pbx.CauseNormal
}
