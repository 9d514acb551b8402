package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

// The body-signing scheme of wsec's own clients (package doc, "WsecKey").
const (
	// SchemeContent names it in Authorization: "WsecKey <workspace-id>:<signature>".
	SchemeContent = "WsecKey"
	// HeaderContentSHA256 carries base64(SHA-256(body as sent)), as Azure
	// App Configuration's HMAC scheme names it.
	HeaderContentSHA256 = "x-ms-content-sha256"
	// HeaderNonce carries a value new for every request; the server refuses
	// a second request with it.
	HeaderNonce = "x-wsec-nonce"
	// signedHeaderPrefix: every header whose name starts with it is signed
	// (X-Wsec-Sender, X-Wsec-Seq, ...).
	signedHeaderPrefix = "x-wsec-"
)

// StringToSignContent is the text a WsecKey signature covers, read from
// r's headers:
//
//	"WsecKey" "\n" method "\n" resource "\n" raw-query "\n" content-type "\n"
//	content-encoding "\n" "x-ms-date:" date "\n" "x-ms-content-sha256:" digest "\n"
//	then one "name:value" "\n" per x-wsec-* header (the nonce among them),
//	names lower case and sorted, several values joined with ","
//
// so a captured request can be neither replayed (nonce) nor changed: not
// its body (digest), batch identity (X-Wsec-Sender, X-Wsec-Seq), encoding
// or target.
func StringToSignContent(r *http.Request, resource string) string {
	var b strings.Builder
	for _, s := range [...]string{SchemeContent, r.Method, resource, r.URL.RawQuery,
		r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"),
		HeaderDate + ":" + r.Header.Get(HeaderDate), HeaderContentSHA256 + ":" + r.Header.Get(HeaderContentSHA256)} {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	var names []string
	for k := range r.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, signedHeaderPrefix) {
			names = append(names, lk)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		b.WriteString(n + ":" + strings.Join(r.Header.Values(n), ",") + "\n")
	}
	return b.String()
}

// SignContent sets x-ms-date, x-ms-content-sha256, x-wsec-nonce and
// Authorization (WsecKey) on req, whose body as sent is body, signed with
// key for workspaceID at time at. Call it last, once every header is
// final, and again for every attempt: each gets a new nonce. The signed
// resource is req.URL.Path.
func SignContent(req *http.Request, body []byte, workspaceID, key string, at time.Time) error {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return fmt.Errorf("sign %s %s: make nonce: %w", req.Method, req.URL.Path, err)
	}
	sum := sha256.Sum256(body)
	req.Header.Set(HeaderDate, at.UTC().Format(http.TimeFormat))
	req.Header.Set(HeaderContentSHA256, base64.StdEncoding.EncodeToString(sum[:]))
	req.Header.Set(HeaderNonce, base64.RawURLEncoding.EncodeToString(nonce[:]))
	resource := req.URL.Path
	if resource == "" {
		resource = "/"
	}
	sig, err := Signature(key, StringToSignContent(req, resource))
	if err != nil {
		return fmt.Errorf("sign %s %s for workspace %s: %w", req.Method, resource, workspaceID, err)
	}
	req.Header.Set(HeaderAuthorization, SchemeContent+" "+workspaceID+":"+sig)
	return nil
}
