package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestListenDebug(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "127.0.0.1"} {
		if err := listenDebug(context.Background(), addr, log); err == nil {
			t.Errorf("listenDebug(%q) serves; want a refusal (unauthenticated endpoints off loopback, or no port)", addr)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if err := listenDebug(ctx, addr, log); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile:") {
		t.Errorf("goroutine profile: status %d, body %.200q", resp.StatusCode, body)
	}
	if err := listenDebug(ctx, addr, log); err == nil {
		t.Error("a second listenDebug on the same address succeeded")
	}

	cancel()
	for range 500 { // the listener closes shortly after
		if _, err = http.Get("http://" + addr + "/debug/pprof/"); err != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil {
		t.Error("the profiling endpoints still answer after their context ended")
	}
}
