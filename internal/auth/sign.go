package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Header names of the scheme.
const (
	HeaderAuthorization = "Authorization"
	HeaderDate          = "x-ms-date"
	scheme              = "SharedKey"
)

// DataCollectorResource is the resource the Data Collector API signs,
// whatever the host: "/api/logs".
const DataCollectorResource = "/api/logs"

// StringToSign is the text a SharedKey signature covers:
//
//	method "\n" contentLength "\n" contentType "\n" "x-ms-date:" date "\n" resource
//
// date is the x-ms-date header value exactly as sent; resource is the
// request path without the query ("/api/logs" for the Data Collector API).
func StringToSign(method string, contentLength int64, contentType, date, resource string) string {
	return method + "\n" + strconv.FormatInt(contentLength, 10) + "\n" + contentType + "\n" +
		HeaderDate + ":" + date + "\n" + resource
}

// Signature returns base64(HMAC-SHA256(base64-decoded key, stringToSign)).
func Signature(key, stringToSign string) (string, error) {
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return "", fmt.Errorf("decode workspace key: not base64: %w", err)
	}
	return base64.StdEncoding.EncodeToString(mac(k, stringToSign)), nil
}

func mac(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

// Sign sets the x-ms-date and Authorization headers of req, signed with key
// for workspaceID at the current time. Call it last, after the body,
// Content-Type and Content-Length are final, and again for every retry (the
// date must stay within MaxClockSkew of the server clock).
func Sign(req *http.Request, workspaceID, key string) error {
	return SignAt(req, workspaceID, key, time.Now())
}

// SignAt is Sign with the date given. The signed resource is req.URL.Path.
func SignAt(req *http.Request, workspaceID, key string, at time.Time) error {
	cl := req.ContentLength
	if cl < 0 || (cl == 0 && req.Body != nil && req.Body != http.NoBody) {
		return fmt.Errorf("sign %s %s: unknown content length; set req.ContentLength (or build the request with a bytes.Reader body)", req.Method, req.URL.Path)
	}
	date := at.UTC().Format(http.TimeFormat)
	resource := req.URL.Path
	if resource == "" {
		resource = "/"
	}
	sig, err := Signature(key, StringToSign(req.Method, cl, req.Header.Get("Content-Type"), date, resource))
	if err != nil {
		return fmt.Errorf("sign %s %s for workspace %s: %w", req.Method, resource, workspaceID, err)
	}
	req.Header.Set(HeaderDate, date)
	req.Header.Set(HeaderAuthorization, scheme+" "+workspaceID+":"+sig)
	return nil
}
