//go:build !windows

package main

import (
	"context"
	"errors"
	"io"
)

var errNotWindows = errors.New("the agent runs as a service on Windows only; here run it in the foreground (wsec-agent run) under your service manager")

func isService() bool { return false }

func runService([]string) int { return 1 }

func runInstall(context.Context, []string, io.Writer, io.Writer) error   { return errNotWindows }
func runUninstall(context.Context, []string, io.Writer, io.Writer) error { return errNotWindows }
func runStart(context.Context, []string, io.Writer, io.Writer) error     { return errNotWindows }
func runStop(context.Context, []string, io.Writer, io.Writer) error      { return errNotWindows }
