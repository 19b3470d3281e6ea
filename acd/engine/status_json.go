package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Seconds is a duration that JSON carries as a number of seconds, to the
// millisecond (12.5 for 12.5 s). Every duration Hotline's API sends is one.
type Seconds time.Duration

// MarshalJSON writes the seconds as a number.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Round(time.Millisecond).Seconds(), 'f', -1, 64), nil
}

// UnmarshalJSON reads a number of seconds.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("duration: want a number of seconds, got %s", b)
	}
	if math.IsNaN(f) || math.Abs(f) > math.MaxInt64/float64(time.Second) {
		return fmt.Errorf("duration: %s seconds is out of range", b)
	}
	*s = Seconds(time.Duration(math.Round(f*1e3)) * time.Millisecond)
	return nil
}

// The status types keep time.Duration for Go callers and send seconds: each
// shadows its duration fields with Seconds (outer fields win in encoding/json).

type queueStatusJSON struct {
	queueStatusPlain
	LongestWait Seconds `json:"longest_wait"`
	SLThreshold Seconds `json:"sl_threshold"`
	ASA         Seconds `json:"asa"`
	AHT         Seconds `json:"aht"`
	MaxWait     Seconds `json:"max_wait"`
}

type queueStatusPlain QueueStatus

// MarshalJSON sends durations as seconds.
func (q QueueStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(queueStatusJSON{queueStatusPlain(q), Seconds(q.LongestWait), Seconds(q.SLThreshold),
		Seconds(q.ASA), Seconds(q.AHT), Seconds(q.MaxWait)})
}

// UnmarshalJSON reads durations as seconds.
func (q *QueueStatus) UnmarshalJSON(b []byte) error {
	var v queueStatusJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*q = QueueStatus(v.queueStatusPlain)
	q.LongestWait, q.SLThreshold, q.ASA, q.AHT, q.MaxWait = time.Duration(v.LongestWait), time.Duration(v.SLThreshold),
		time.Duration(v.ASA), time.Duration(v.AHT), time.Duration(v.MaxWait)
	return nil
}

type agentStatusJSON struct {
	agentStatusPlain
	Talk     Seconds `json:"talk"`
	WrapUp   Seconds `json:"wrap_up"`
	LoggedIn Seconds `json:"logged_in"`
	Paused   Seconds `json:"paused"`
	AHT      Seconds `json:"aht"`
}

type agentStatusPlain AgentStatus

// MarshalJSON sends durations as seconds.
func (a AgentStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(agentStatusJSON{agentStatusPlain(a), Seconds(a.Talk), Seconds(a.WrapUp),
		Seconds(a.LoggedIn), Seconds(a.Paused), Seconds(a.AHT)})
}

// UnmarshalJSON reads durations as seconds.
func (a *AgentStatus) UnmarshalJSON(b []byte) error {
	var v agentStatusJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*a = AgentStatus(v.agentStatusPlain)
	a.Talk, a.WrapUp, a.LoggedIn, a.Paused, a.AHT = time.Duration(v.Talk), time.Duration(v.WrapUp),
		time.Duration(v.LoggedIn), time.Duration(v.Paused), time.Duration(v.AHT)
	return nil
}

type callStatusJSON struct {
	callStatusPlain
	Waited Seconds `json:"waited"`
	Talk   Seconds `json:"talk,omitempty"`
}

type callStatusPlain CallStatus

// MarshalJSON sends durations as seconds.
func (c CallStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(callStatusJSON{callStatusPlain(c), Seconds(c.Waited), Seconds(c.Talk)})
}

// UnmarshalJSON reads durations as seconds.
func (c *CallStatus) UnmarshalJSON(b []byte) error {
	var v callStatusJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = CallStatus(v.callStatusPlain)
	c.Waited, c.Talk = time.Duration(v.Waited), time.Duration(v.Talk)
	return nil
}
