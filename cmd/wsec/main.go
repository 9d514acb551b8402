// Command wsec is the workspace server and its command-line client: it
// serves the ingestion and query APIs, imports and prints Windows event
// logs, and manages workspaces and data collection rules.
package main

import (
	"context"
	"flag"
	"io"
	"os"
	"os/signal"
	"syscall"

	"wsec/internal/cli"
)

func commands() map[string]cli.Command {
	return map[string]cli.Command{
		"analytics": {Summary: "analytics rules (Sentinel YAML): import, list, enable, disable, run, backfill", Run: runAnalytics},
		"incidents": {Summary: "incidents raised by analytics rules: list, show, investigate, assign, comment, close, reopen", Run: runIncidents},
		"entity":    {Summary: "all activity of an account, host or IP in a time range (SecurityEvent and WindowsEvent)", Run: runEntity},
		"demo":      {Summary: "start a workspace on the embedded store with sample events loaded (the quick start)", Run: runDemo},
		"serve":     {Summary: "run the workspace server: ingestion, query and rules APIs on the embedded store", Run: runServe},
		"import":    {Summary: "import EVTX or event-XML files into a workspace (resumable)", Run: runImport},
		"query":     {Summary: "run a KQL query against a workspace", Run: runQuery},
		"dcr":       {Summary: "manage data collection rules: create, assign, unassign, list, delete", Run: runDCR},
		"sigma":     {Summary: "check Sigma rules: what runs offline and in the workspace, and the KQL they become", Run: runSigma},
		"hunt":      {Summary: "run Sigma rules over EVTX or event-XML files, offline (like Chainsaw and Hayabusa)", Run: runHunt},
		"events":    {Summary: "print events of EVTX or event-XML files, filtered by event set and XPath", Run: runEvents},
		"anomalies": {Summary: "anomalous RDP logons (unusual IP, unusual geo, new user), explained", Run: runAnomalies},
		"geoip":     {Summary: "GeoIP: build the ASN database from @ip-location-db/asn CSV files; show, set or reset the workspace's databases", Run: runGeoIP},
		"workspace": {Summary: "create, list workspaces and rotate their keys", Run: runWorkspace},
		"watchlist": {Summary: "watchlists (CSV) that queries read with _GetWatchlist: add, list, delete", Run: runWatchlist},
		"gateway":   {Summary: "relay or proxy agents that cannot reach the workspace (store-and-forward, or CONNECT with an allow-list)", Run: runGateway},
		"user":      {Summary: "local users and their roles per workspace: add, list, delete, role, password", Run: runUser},
		"token":     {Summary: "API tokens for scripts and the CLI (--token, WSEC_TOKEN): create, list, revoke", Run: runToken},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	for name, c := range cmds {
		run := c.Run
		c.Run = func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return explainUnreachable(run(ctx, args, stdout, stderr))
		}
		cmds[name] = c
	}
	return cli.Main(ctx, "wsec", cmds, args, stdout, stderr)
}

// newFlagSet returns a flag set for a wsec command.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	return cli.FlagSet("wsec", name, stderr)
}

// envDefault returns the environment variable's value or def.
func envDefault(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
