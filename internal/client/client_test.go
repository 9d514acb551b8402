package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"wsec/internal/auth"
	"wsec/internal/event"
	"wsec/internal/protocol"
	"wsec/internal/source/synthetic"
)

// fakeWorkspace verifies signatures with the real verifier and decodes
// batches with the real decoder.
type fakeWorkspace struct {
	t       *testing.T
	v       *auth.Verifier
	status  int
	got     []*event.Event
	senders []string
}

func (f *fakeWorkspace) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := f.v.Verify(r, int64(len(body)), r.URL.Path); err != nil {
		w.WriteHeader(http.StatusForbidden)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "InvalidAuthorization", "message": err.Error()}})
		return
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
		w.Write([]byte(`{"error":{"code":"ServiceUnavailable","message":"store is busy"}}`))
		return
	}
	switch r.URL.Path[len(r.URL.Path)-6:] {
	case "events":
		dec, _ := zstd.NewReader(nil)
		raw, err := dec.DecodeAll(body, nil)
		if err != nil || r.Header.Get("Content-Type") != protocol.ContentTypeBatch {
			f.t.Errorf("bad batch body: %v %q", err, r.Header.Get("Content-Type"))
		}
		d := event.NewBatchDecoder(raw)
		for d.More() {
			e, err := d.Next()
			if err != nil {
				f.t.Fatal(err)
			}
			f.got = append(f.got, e)
		}
		f.senders = append(f.senders, r.Header.Get(protocol.HeaderSender)+"/"+r.Header.Get(protocol.HeaderSeq))
		json.NewEncoder(w).Encode(protocol.BatchResult{Accepted: len(f.got), Stored: len(f.got)})
	case "/query":
		w.Write([]byte(`{"tables":[{"name":"PrimaryResult","columns":[{"name":"n","type":"long"}],"rows":[[3]]}]}`))
	}
}

func setup(t *testing.T) (*fakeWorkspace, *Client, auth.Workspace, string) {
	reg, err := auth.Open(t.TempDir(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := reg.Create("test")
	f := &fakeWorkspace{t: t, v: auth.NewVerifier(reg, time.Now)}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, ws.ID, ws.PrimaryKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f, c, ws, srv.URL
}

func TestSendBatch(t *testing.T) {
	f, c, _, _ := setup(t)
	g := synthetic.New(synthetic.Options{})
	var framed []byte
	var want []*event.Event
	for i := range 500 {
		e := new(event.Event)
		g.Event(uint64(i), e)
		want = append(want, e)
		framed = e.AppendFramed(framed)
	}
	res, err := c.SendBatch(context.Background(), "agent-1", 7, framed)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stored != 500 || len(f.got) != 500 || f.senders[0] != "agent-1/7" {
		t.Fatalf("result %+v, server got %d events, batches %v", res, len(f.got), f.senders)
	}
	for i := range want {
		if f.got[i].Key() != want[i].Key() {
			t.Fatalf("event %d differs", i)
		}
	}
	q, err := c.Query(context.Background(), "SecurityEvent | count", "P1D")
	if err != nil || len(q.Tables) != 1 || q.Tables[0].Rows[0][0] != 3.0 || len(q.Raw()) == 0 {
		t.Fatalf("query: %+v %v", q, err)
	}
}

func TestErrorsAndRetryable(t *testing.T) {
	f, _, ws, url := setup(t)
	wrong, _ := New(url, ws.ID, ws.SecondaryKey[:10]+ws.PrimaryKey[10:], Options{})
	_, err := wrong.SendBatch(context.Background(), "a", 1, nil)
	var e *Error
	if !errors.As(err, &e) || e.Status != 403 || e.Code != "InvalidAuthorization" || Retryable(err) {
		t.Errorf("wrong key: %v (retryable %v)", err, Retryable(err))
	}
	f.status = http.StatusServiceUnavailable
	right, _ := New(url, ws.ID, ws.PrimaryKey, Options{})
	if _, err := right.SendBatch(context.Background(), "a", 1, nil); !Retryable(err) {
		t.Errorf("503 not retryable: %v", err)
	}
	down, _ := New("http://127.0.0.1:1", ws.ID, ws.PrimaryKey, Options{})
	if _, err := down.Query(context.Background(), "x", ""); !Retryable(err) {
		t.Errorf("unreachable not retryable: %v", err)
	}
	for _, bad := range [][3]string{{"ftp://x", ws.ID, "k"}, {url, "not-a-guid", "k"}, {url, ws.ID, ""}} {
		if _, err := New(bad[0], bad[1], bad[2], Options{}); err == nil {
			t.Errorf("New(%q, %q, %q) accepted", bad[0], bad[1], bad[2])
		}
	}
}
