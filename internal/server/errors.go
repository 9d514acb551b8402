package server

import (
	"encoding/json"
	"net/http"
)

// ErrorBody is the JSON every wsec endpoint answers an error with:
//
//	{"error":{"code":"InvalidAuthorization","message":"what was wrong and what to do"}}
//
// Codes follow Azure's where Azure has one (InvalidAuthorization,
// InvalidLogType, BadArgumentError, ...).
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody. InnerError carries detail such as
// a query error's line and column.
type ErrorDetail struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	InnerError any    `json:"innererror,omitempty"`
}

// WriteError writes an ErrorBody with status.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: message}})
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"InternalError","message":"encode response"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
