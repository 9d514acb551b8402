//go:build linux

package netns

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Two namespaces joined by a link have a route to each other; a third,
// linked to one of them only, has none beyond it; a link set down is no
// route until it is up again. (The gateway scenarios in cmd/wsec-agent
// carry real traffic over such links.)
func TestLabIsolation(t *testing.T) {
	l := New(t)
	a, b, c := l.Host("a"), l.Host("b"), l.Host("c")
	_, bIP, _, _ := l.Link(a, b)
	_, cIP, bcDev, _ := l.Link(b, c)
	routed := func(from, to string) bool {
		return l.Command(from, l.ip, "route", "get", to).Run() == nil
	}
	if net.ParseIP(bIP) == nil || !strings.HasPrefix(bIP, "10.77.") {
		t.Fatalf("address %q", bIP)
	}
	if !routed(a, bIP) || !routed(b, cIP) {
		t.Fatal("linked namespaces cannot reach each other")
	}
	if routed(a, cIP) {
		t.Fatal("a reaches c without a link to it")
	}
	l.SetLink(b, bcDev, false)
	if routed(b, cIP) {
		t.Fatal("a link set down still carries packets")
	}
	l.SetLink(b, bcDev, true)
	if !routed(b, cIP) {
		t.Fatal("a link set up again carries nothing")
	}
}

// Delay forwards both ways over a lossy link, everything and in order, and
// holds each direction's data for the delay: an echo round trip takes at
// least twice as long (a lower bound the forwarder guarantees, not a
// measured speed). A half-close reaches the far end after the data.
func TestDelayForwarder(t *testing.T) {
	l := New(t)
	a, b := l.Host("a"), l.Host("b")
	_, bIP, aDev, _ := l.Link(a, b)
	l.Drop(a, aDev, 10)
	var ln net.Listener
	if err := l.Do(b, func() (err error) {
		ln, err = net.Listen("tcp", bIP+":0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // echo, then "bye" after the client's half-close
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
		c.Write([]byte("bye"))
	}()
	const d = 200 * time.Millisecond
	addr := l.Delay(a, "127.0.0.1:0", ln.Addr().String(), d)
	var c net.Conn
	if err := l.Do(a, func() (err error) {
		c, err = net.Dial("tcp", addr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	start := time.Now()
	c.Write([]byte("ping"))
	if _, err := io.ReadFull(c, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	if rtt := time.Since(start); rtt < 2*d {
		t.Errorf("echo round trip %v through a %v delay each way", rtt, d)
	}

	payload := make([]byte, 4<<20)
	rand.Read(payload)
	go func() {
		c.Write(payload)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(payload, "bye"...); !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, want the %d sent and \"bye\" (equal prefix: %v)", len(got), len(payload), bytes.HasPrefix(got, payload[:min(len(got), len(payload))]))
	}
}
