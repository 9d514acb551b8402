package ingest

import (
	"errors"
	"fmt"
	"net/http"

	"wsec/internal/auth"
)

// refusal is a request refused before anything was stored.
type refusal struct {
	status int
	code   string // Azure-style error code, sent to the client
	reason string // metric label (bounded set)
	msg    string // what was wrong and what to do
	// bodyUnread: refused before its body was read; the connection is
	// closed after the answer rather than drained.
	bodyUnread bool
	// retryAfter is the Retry-After of a 503 in seconds (0: 1).
	retryAfter int
}

func (r *refusal) Error() string { return r.msg }

func refused(status int, code, reason, format string, args ...any) *refusal {
	return &refusal{status: status, code: code, reason: reason, msg: fmt.Sprintf(format, args...)}
}

// Error codes. Azure's where it has one (Data Collector API "Return codes").
const (
	codeInvalidAuthorization   = "InvalidAuthorization"
	codeInvalidCustomerID      = "InvalidCustomerId"
	codeInvalidDataFormat      = "InvalidDataFormat"
	codeInvalidLogType         = "InvalidLogType"
	codeMissingLogType         = "MissingLogType"
	codeMissingAPIVersion      = "MissingApiVersion"
	codeInvalidAPIVersion      = "InvalidApiVersion"
	codeMissingContentType     = "MissingContentType"
	codeUnsupportedContentType = "UnsupportedContentType"
	codeUnsupportedEncoding    = "UnsupportedContentEncoding"
	codeInvalidHeader          = "InvalidHeader"
	codePayloadTooLarge        = "PayloadTooLarge"
	codeServiceUnavailable     = "ServiceUnavailable"
	codeRequestTimeout         = "RequestTimeout"
)

// fromAuth turns a verification failure into a refusal.
func fromAuth(err error) *refusal {
	var ae *auth.Error
	if errors.As(err, &ae) {
		if ae.Reason == auth.ReasonReplayCacheFull {
			return &refusal{status: http.StatusServiceUnavailable, code: codeServiceUnavailable, reason: string(ae.Reason), msg: ae.Message}
		}
		return &refusal{status: http.StatusForbidden, code: codeInvalidAuthorization, reason: string(ae.Reason), msg: ae.Message}
	}
	return refused(http.StatusForbidden, codeInvalidAuthorization, "auth_error", "the request could not be authorised: %v", err)
}
