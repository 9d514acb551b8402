//go:build linux

package netns

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Do runs f on an OS thread moved into host's namespace, so that the
// sockets f creates (net.Listen, net.Dial to an address literal) belong to
// host, and stay there after f returns.
func (l *Lab) Do(host string, f func() error) error {
	done := make(chan error, 1)
	go func() {
		// The thread is unlocked only once back in its own namespace;
		// otherwise it ends with this goroutine.
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			done <- err
			return
		}
		defer self.Close()
		ns, err := os.Open("/run/netns/" + host)
		if err != nil {
			done <- fmt.Errorf("namespace %s: %w", host, err)
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("enter namespace %s: %w", host, err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- errors.Join(ferr, fmt.Errorf("leave namespace %s: %w", host, err))
			return
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}

// Delay starts, in host, a TCP forwarder listening on listen (e.g.
// "127.0.0.1:0") that connects to target from host and holds every chunk
// of data it reads for d before passing it on, in each direction. It
// returns the address it listens on; it stops when the test ends, and
// logs how many connections and bytes it carried.
//
// Why: tc netem is how a link is delayed, but a kernel built without
// CONFIG_NET_SCH_NETEM (ErrNoNetem; this one has no fq either) has no
// queueing discipline that holds packets. The forwarder delays what the
// applications exchange — each request and answer arrives d later each
// way, so round trips take 2d more — but not TCP's own segments on the
// leg to target: handshakes, acknowledgements and retransmissions there
// run at the link's speed. Put Drop on that leg for loss.
func (l *Lab) Delay(host, listen, target string, d time.Duration) string {
	l.t.Helper()
	var ln net.Listener
	if err := l.Do(host, func() (err error) {
		ln, err = net.Listen("tcp", listen)
		return err
	}); err != nil {
		l.t.Fatalf("delay forwarder in %s: %v", host, err)
	}
	f := &forwarder{conns: map[net.Conn]bool{}}
	l.t.Cleanup(func() {
		ln.Close()
		f.closeAll()
		f.wg.Wait()
		l.t.Logf("delay forwarder %s → %s in %s (%v each way): %d connections, %d bytes up, %d down",
			ln.Addr(), target, host, d, f.accepted.Load(), f.up.Load(), f.down.Load())
	})
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			f.accepted.Add(1)
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				var up net.Conn
				if err := l.Do(host, func() (err error) {
					up, err = net.DialTimeout("tcp", target, 10*time.Second)
					return err
				}); err != nil {
					down.Close()
					return
				}
				if !f.track(down, up) {
					return
				}
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					f.up.Add(hold(up, down, d))
				}()
				f.down.Add(hold(down, up, d))
				wg.Wait()
				f.untrack(down, up)
			}()
		}
	}()
	return ln.Addr().String()
}

// forwarder tracks a Delay's open connections, to close them at the end.
type forwarder struct {
	accepted, up, down atomic.Int64

	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]bool
}

func (f *forwarder) track(cs ...net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		f.conns[c] = true
	}
	return true
}

func (f *forwarder) untrack(cs ...net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(f.conns, c)
	}
}

func (f *forwarder) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for c := range f.conns {
		c.Close()
	}
}

// hold copies src to dst, each chunk d after it was read. At src's end it
// half-closes dst once the chunks read before are written (a reset or
// other read error closes dst: the peer sees the connection fail); when
// dst fails it closes src. It returns the bytes written.
func hold(dst, src net.Conn, d time.Duration) (written int64) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 1024)
	var readErr error
	go func() {
		defer close(q)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				q <- chunk{b[:n], time.Now().Add(d)}
			}
			if err != nil {
				readErr = err
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.at))
		n, err := dst.Write(c.b)
		written += int64(n)
		if err != nil {
			src.Close()
			for range q {
			}
			return written
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok && errors.Is(readErr, io.EOF) {
		tc.CloseWrite()
		return written
	}
	dst.Close()
	return written
}
