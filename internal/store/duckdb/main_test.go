package duckdb

import (
	"os"
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
