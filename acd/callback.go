package acd

import "fmt"

// CallbackState is where a caller's request to be called back stands.
type CallbackState string

// Callback states.
const (
	CallbackPending CallbackState = "pending" // waiting for its turn (or its next attempt)
	CallbackDialing CallbackState = "dialing" // an agent and the customer are being connected
	CallbackDone    CallbackState = "done"    // the customer was reached
	CallbackFailed  CallbackState = "failed"  // attempts used up
)

// Valid reports an unknown callback state; the empty value is allowed.
func (s CallbackState) Valid() error {
	return oneOf("callback state", s, CallbackPending, CallbackDialing, CallbackDone, CallbackFailed)
}

// callbackTransitions is the table of allowed callback moves. A request is
// created pending; "" is the state before it exists.
var callbackTransitions = map[CallbackState][]CallbackState{
	"":              {CallbackPending},
	CallbackPending: {CallbackDialing, CallbackFailed},
	CallbackDialing: {CallbackPending, CallbackDone, CallbackFailed},
	CallbackDone:    {},
	CallbackFailed:  {},
}

// CheckCallbackTransition reports whether a callback request may move
// between states. Dialing → pending is a failed attempt with tries left.
func CheckCallbackTransition(from, to CallbackState) error {
	for _, s := range callbackTransitions[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("callback %q → %q: %w", from, to, ErrIllegalTransition)
}
