package duckdb

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(durabilityChildEnv); dir != "" {
		os.Exit(durabilityChild(dir))
	}
	if dir := os.Getenv(restartChildEnv); dir != "" {
		os.Exit(restartChild(dir))
	}
	goleak.VerifyTestMain(m)
}

// childWorkspace opens workspace "ws" of the store in dir for a child
// process, or says why it cannot on stderr.
func childWorkspace(dir string, o Options) (*Workspace, bool) {
	s, err := Open(dir, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return nil, false
	}
	w, err := s.Workspace("ws")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child workspace:", err)
		return nil, false
	}
	return w, true
}

// killChild runs the test binary as a child with env set to dir (TestMain
// then runs that child instead of the tests), reads the "acked A B" lines
// it prints after each acknowledged batch and kills it with SIGKILL as soon
// as stop(A, B) holds. It returns the last A and B read.
func killChild(tb testing.TB, env, dir string, stderr io.Writer, stop func(a, b int) bool) (a, b int) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+dir)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "acked" {
			continue
		}
		a, _ = strconv.Atoi(f[1])
		b, _ = strconv.Atoi(f[2])
		if stop(a, b) {
			break
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	return a, b
}
