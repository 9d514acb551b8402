package auth

import "fmt"

// Reason says which check refused a request. Values are stable and used as
// metric label values.
type Reason string

const (
	ReasonMissingAuthorization   Reason = "missing_authorization"
	ReasonMalformedAuthorization Reason = "malformed_authorization"
	ReasonUnknownWorkspace       Reason = "unknown_workspace"
	ReasonBadSignature           Reason = "bad_signature"
	ReasonMissingDate            Reason = "missing_date"
	ReasonMalformedDate          Reason = "malformed_date"
	ReasonStaleDate              Reason = "stale_date"
	// ReasonReplayed: a WsecKey request reused a nonce.
	ReasonReplayed Reason = "replayed"
	// ReasonReplayCacheFull: too many recent nonces to remember another;
	// the request may succeed later (handlers answer 503).
	ReasonReplayCacheFull Reason = "replay_cache_full"
	// ReasonBodyMismatch: the body does not match the digest the
	// signature covers (CheckBody).
	ReasonBodyMismatch Reason = "body_mismatch"
	// ReasonWrongWorkspace: the signature is valid for one workspace but the
	// request addresses another (path or host). Reported by the handlers.
	ReasonWrongWorkspace Reason = "wrong_workspace"
)

// Error is a refused request. Message says what was wrong and what to do,
// and is safe to send to the client: it never contains a key or the
// expected signature.
type Error struct {
	Reason    Reason
	Workspace string // as the request named it, when it named one
	Message   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("authorize request: %s", e.Message)
}

func refuse(r Reason, ws, format string, args ...any) *Error {
	return &Error{Reason: r, Workspace: ws, Message: fmt.Sprintf(format, args...)}
}
