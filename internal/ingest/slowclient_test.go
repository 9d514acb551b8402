package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsec/internal/auth"
)

// dripper opens a connection that sends a chunked ingest request's headers
// and one chunk, then stalls: a client without the key holding whatever
// the server gives it while it reads the body.
func dripper(t *testing.T, base, path string, hdr http.Header) net.Conn {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n", path, u.Host)
	for k, vs := range hdr {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n1\r\n[\r\n")
	if _, err := c.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSlowUnauthenticatedClientsDoNotBlockIngest (issue 9 item 4): sixteen
// clients without the key that drip a chunked body must not keep a signed
// agent batch or Data Collector post from being stored.
func TestSlowUnauthenticatedClientsDoNotBlockIngest(t *testing.T) {
	e := newEnv(t, Limits{BusyWait: 100 * time.Millisecond})
	const slow = 16
	hdr := func(path string) http.Header {
		r, _ := http.NewRequest("POST", e.url+path, strings.NewReader("[1]"))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set(HeaderLogType, "Drip")
		r.Header.Set(HeaderSender, "drip")
		r.Header.Set(HeaderSeq, "1")
		_ = auth.SignAt(r, e.a.ID, e.b.PrimaryKey, e.clk.Now()) // a real workspace, a wrong key
		return r.Header
	}
	var conns []net.Conn
	for i := range slow {
		path := "/api/logs?api-version=2016-04-01"
		if i%2 == 0 {
			path = "/v1/workspaces/" + e.a.ID + "/events"
		}
		conns = append(conns, dripper(t, e.url, path, hdr(path)))
	}
	// Every dripper is either holding a slot or has been answered.
	deadline := time.Now().Add(10 * time.Second)
	for e.metric("wsec_ingest_in_flight_requests")+e.metric("wsec_ingest_requests_total", "outcome", "refused") < slow {
		if time.Now().After(deadline) {
			t.Fatalf("the server neither admitted nor refused the slow clients: in flight %v, refused %v",
				e.metric("wsec_ingest_in_flight_requests"), e.metric("wsec_ingest_requests_total", "outcome", "refused"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.sendValid()
	st, b := postDataCollector(t, e, "Ok", `[{"a":"b"}]`)
	if st != http.StatusOK {
		t.Fatalf("Data Collector post while slow clients drip: %d %s", st, b)
	}
	// Each slow client has its answer without sending the rest of its body
	// (net/http would otherwise wait for it, holding the connection).
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("slow client %d got no answer: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 4 || !resp.Close {
			t.Errorf("slow client %d: %d, close %v; want a refusal that closes the connection", i, resp.StatusCode, resp.Close)
		}
	}
}

// postDataCollector posts body to the Data Collector endpoint, signed with
// workspace a's key.
func postDataCollector(t *testing.T, e *env, logType, body string) (int, string) {
	t.Helper()
	r, _ := http.NewRequest("POST", e.url+"/api/logs?api-version=2016-04-01", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(HeaderLogType, logType)
	if err := auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	st, b, _ := e.do(r)
	return st, string(b)
}

// TestSlowBodyTimesOut: a signed request whose body does not arrive within
// BodyTimeout is refused with 408 and gives its slot back, so even a client
// with the key holds a slot for a bounded time only.
func TestSlowBodyTimesOut(t *testing.T) {
	e := newEnv(t, Limits{MaxInFlight: 1, BodyTimeout: 200 * time.Millisecond})
	body := []byte(`[{"a":"b"}]`)
	r, _ := http.NewRequest("POST", e.url+"/api/logs?api-version=2016-04-01", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(HeaderLogType, "Slow")
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	if err := auth.SignAt(r, e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.url)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var head strings.Builder
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\n", r.URL.RequestURI(), u.Host)
	_ = r.Header.Write(&head)
	head.WriteString("\r\n")
	if _, err := c.Write(append([]byte(head.String()), body[:3]...)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("a body stalled past BodyTimeout: %d, want 408", resp.StatusCode)
	}
	if got := e.metric("wsec_ingest_refused_total", "reason", "body_timeout"); got != 1 {
		t.Errorf("body_timeout refusals = %v, want 1", got)
	}
	e.sendValid() // the only slot is free again
}
