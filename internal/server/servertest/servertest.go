// Package servertest helps tests of HTTP endpoints send what a client
// of net/http cannot: a request whose body stops half way.
package servertest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// SendPartly writes r's head (with r's Content-Length, or chunked when it
// is -1) and body over a connection of its own, ending a chunked body
// when complete, and reads the answer; it fails the test when none comes
// within 10 s.
func SendPartly(t *testing.T, addr string, r *http.Request, body []byte, complete bool) (int, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\n", r.URL.RequestURI(), addr)
	if r.ContentLength >= 0 {
		fmt.Fprintf(&head, "Content-Length: %d\r\n", r.ContentLength)
	} else {
		head.WriteString("Transfer-Encoding: chunked\r\n")
	}
	r.Header.Write(&head)
	head.WriteString("\r\n")
	if r.ContentLength >= 0 {
		head.Write(body)
	} else {
		fmt.Fprintf(&head, "%x\r\n%s\r\n", len(body), body)
		if complete {
			head.WriteString("0\r\n\r\n")
		}
	}
	if _, err := c.Write(head.Bytes()); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer while the body was unfinished: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
