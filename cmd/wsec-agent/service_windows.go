//go:build windows

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"

	"wsec/internal/agent"
	"wsec/internal/cli"
	"wsec/internal/source"
)

// isService reports whether the Service Control Manager started us.
func isService() bool {
	ok, err := svc.IsWindowsService()
	return err == nil && ok
}

// runService runs the agent as the Windows service; args are the ones the
// service was installed with: run --config FILE.
func runService(args []string) int {
	elog, elogErr := eventlog.Open(serviceName)
	if len(args) > 0 && args[0] == "run" {
		args = args[1:]
	}
	if elogErr == nil {
		defer elog.Close()
	}
	c, _, err := configFlag("run", args, io.Discard, nil)
	if err != nil {
		err = fmt.Errorf("%w: %w", source.ErrConfig, err)
	} else {
		err = restrictDataDir(c.DataDir)
	}
	var (
		log      *slog.Logger
		closeLog = func() {}
	)
	if err == nil {
		var extra slog.Handler
		if elogErr == nil {
			extra = &eventLogHandler{log: elog, limit: newEventLogLimit(eventLogEvery, time.Now)}
		}
		log, closeLog, err = openLog(c, io.Discard, extra)
	}
	defer closeLog()
	if err != nil {
		// Still through the SCM, so that it records the service as
		// stopped with a service-specific code (and runs the recovery
		// actions) rather than as having failed to start in time.
		if elogErr == nil {
			elog.Error(1, "wsec-agent cannot start: "+err.Error())
		}
		startErr := err
		h := &handler{run: func(context.Context, func()) error { return startErr }}
		if err := svc.Run(serviceName, h); err != nil {
			return 2
		}
		return int(h.code)
	}
	h := &handler{run: func(ctx context.Context, ready func()) error {
		return agent.Run(ctx, agent.Options{Config: c, Logger: log, Ready: ready})
	}}
	if err := svc.Run(serviceName, h); err != nil {
		log.Error("service stopped", "err", err)
		return 1
	}
	return int(h.code)
}

// dataDirSDDL: a protected DACL (no inherited entries) giving full
// control to LocalSystem and Administrators only, inherited by every file
// and folder below. The data directory holds spooled Security events and
// may hold the workspace key.
const dataDirSDDL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// restrictDataDir creates the data directory and gives it dataDirSDDL.
// Only the service does: a user running the agent in the foreground would
// lock themselves out of it.
func restrictDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	sd, err := windows.SecurityDescriptorFromString(dataDirSDDL)
	if err != nil {
		return fmt.Errorf("data directory ACL: %w", err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("data directory ACL: %w", err)
	}
	if err := windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		return fmt.Errorf("restrict data directory %s to SYSTEM and Administrators: %w", dir, err)
	}
	return nil
}

// handler adapts the SCM's protocol to serveSCM.
type handler struct {
	run  func(ctx context.Context, ready func()) error
	code uint32
}

func (h *handler) Execute(_ []string, reqs <-chan svc.ChangeRequest, changes chan<- svc.Status) (bool, uint32) {
	cmds := make(chan svcCmd)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case r := <-reqs:
				c := cmdOther
				switch r.Cmd {
				case svc.Interrogate:
					c = cmdInterrogate
				case svc.Stop:
					c = cmdStop
				case svc.Shutdown:
					c = cmdShutdown
				}
				select {
				case cmds <- c:
				case <-stop:
					return
				}
			}
		}
	}()
	report := func(s svcState) {
		st := svc.Status{}
		switch s {
		case stateStartPending:
			st = svc.Status{State: svc.StartPending, WaitHint: uint32(agent.FirstRulesTimeout.Milliseconds()) + 10000}
		case stateRunning:
			st = svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
		case stateStopPending:
			st = svc.Status{State: svc.StopPending, WaitHint: uint32(stopWait.Milliseconds())}
		case stateStopped:
			st = svc.Status{State: svc.Stopped}
		}
		changes <- st
	}
	h.code = serveSCM(cmds, report, h.run)
	// A non-zero service-specific code makes the SCM run the recovery
	// actions (restart) set at install.
	return h.code != 0, h.code
}

// eventLogHandler writes warnings and errors to the Windows event log.
type eventLogHandler struct {
	log   *eventlog.Log
	limit *eventLogLimit
	attrs []slog.Attr
}

func (h *eventLogHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *eventLogHandler) Handle(_ context.Context, r slog.Record) error {
	ok, held := h.limit.allow(r.Message)
	if !ok {
		return nil
	}
	var b bytes.Buffer
	b.WriteString(r.Message)
	if held > 0 {
		fmt.Fprintf(&b, " (and %d more times since it was last written here; every one is in the agent's log file)", held)
	}
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	if r.Level >= slog.LevelError {
		return h.log.Error(1, b.String())
	}
	return h.log.Warning(2, b.String())
}

func (h *eventLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &eventLogHandler{log: h.log, limit: h.limit, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *eventLogHandler) WithGroup(string) slog.Handler { return h }

// runInstall is `wsec-agent install --config FILE`: an automatic-start
// service running `wsec-agent run --config FILE` as LocalSystem (which
// can read the Security log), restarted by the SCM when it fails.
func runInstall(_ context.Context, args []string, stdout, stderr io.Writer) error {
	_, path, err := configFlag("install", args, stderr, nil)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("resolve config path: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the agent's executable: %w", err)
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the service manager (run as Administrator): %w", err)
	}
	defer m.Disconnect()
	if s, err := m.OpenService(serviceName); err == nil {
		s.Close()
		return fmt.Errorf("service %s already exists; run wsec-agent uninstall first", serviceName)
	}
	s, err := m.CreateService(serviceName, exe, mgr.Config{
		DisplayName: "wsec agent",
		Description: "Streams Windows Security and AppLocker events to wsec workspaces.",
		StartType:   mgr.StartAutomatic,
		// Started after, and stopped before, the Windows Event Log service.
		Dependencies: []string{"EventLog"},
	}, "run", "--config", abs)
	if err != nil {
		return fmt.Errorf("create service: %w", err)
	}
	defer s.Close()
	actions := []mgr.RecoveryAction{
		{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
		{Type: mgr.ServiceRestart, Delay: time.Minute},
	}
	if err := s.SetRecoveryActions(actions, uint32((24 * time.Hour).Seconds())); err != nil {
		return fmt.Errorf("set recovery actions: %w", err)
	}
	if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		return fmt.Errorf("set recovery on failure exit codes: %w", err)
	}
	if err := eventlog.InstallAsEventCreate(serviceName, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil &&
		!errors.Is(err, windows.ERROR_ALREADY_EXISTS) && !bytes.Contains([]byte(err.Error()), []byte("exists")) {
		return fmt.Errorf("register event log source: %w", err)
	}
	fmt.Fprintf(stdout, "installed service %s (%s run --config %s); start it with: wsec-agent start\n", serviceName, exe, abs)
	return nil
}

func runUninstall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return cli.UsageError("uninstall takes no arguments")
	}
	s, done, err := openService(" (run as Administrator)")
	if err != nil {
		return err
	}
	defer done()
	if st, err := s.Query(); err == nil && st.State != svc.Stopped {
		if err := stopAndWait(ctx, s); err != nil {
			return err
		}
	}
	if err := s.Delete(); err != nil {
		return fmt.Errorf("delete service: %w", err)
	}
	_ = eventlog.Remove(serviceName)
	fmt.Fprintf(stdout, "removed service %s (its data directory is kept)\n", serviceName)
	return nil
}

func runStart(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return cli.UsageError("start takes no arguments")
	}
	s, done, err := openService("")
	if err != nil {
		return err
	}
	defer done()
	if err := s.Start(); err != nil {
		return fmt.Errorf("start service: %w", err)
	}
	fmt.Fprintf(stdout, "started %s\n", serviceName)
	return nil
}

func runStop(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return cli.UsageError("stop takes no arguments")
	}
	s, done, err := openService("")
	if err != nil {
		return err
	}
	defer done()
	if err := stopAndWait(ctx, s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "stopped %s\n", serviceName)
	return nil
}

// openService opens the installed service; done closes it and the
// connection to the service manager. hint is added to a connection error.
func openService(hint string) (s *mgr.Service, done func(), err error) {
	m, err := mgr.Connect()
	if err != nil {
		return nil, nil, fmt.Errorf("connect to the service manager%s: %w", hint, err)
	}
	if s, err = m.OpenService(serviceName); err != nil {
		m.Disconnect()
		return nil, nil, fmt.Errorf("service %s is not installed: %w", serviceName, err)
	}
	return s, func() { s.Close(); m.Disconnect() }, nil
}

func stopAndWait(ctx context.Context, s *mgr.Service) error {
	st, err := s.Control(svc.Stop)
	if err != nil {
		return fmt.Errorf("stop service: %w", err)
	}
	deadline := time.Now().Add(stopWait + 10*time.Second)
	for st.State != svc.Stopped {
		if time.Now().After(deadline) {
			return fmt.Errorf("service %s did not stop within %v", serviceName, stopWait+10*time.Second)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		if st, err = s.Query(); err != nil {
			return fmt.Errorf("query service: %w", err)
		}
	}
	return nil
}
