package agent

import "path/filepath"

// On-disk layout of the data directory:
//
//	<dataDir>/agent-id                           the agent's identity (never changes)
//	<dataDir>/bookmarks.json                     acknowledged position per stream (bookmark package)
//	<dataDir>/status.json                        what `wsec-agent status` prints, rewritten every few seconds
//	<dataDir>/wsec-agent.log                     the log (JSON lines), unless configured elsewhere
//	<dataDir>/destinations/<name>/spool/         the destination's spool (spool package; ship's dead letters inside)
//	<dataDir>/destinations/<name>/rules.json     the data collection rules last received
const (
	agentIDFile   = "agent-id"
	bookmarksFile = "bookmarks.json"
	statusFile    = "status.json"
	logFileName   = "wsec-agent.log"
	destsDir      = "destinations"
	spoolDir      = "spool"
	rulesFile     = "rules.json"
)

// StatusPath returns where an agent with this data directory writes its
// status.
func StatusPath(dataDir string) string { return filepath.Join(dataDir, statusFile) }

// LogPath returns the default log file of an agent with this data
// directory.
func LogPath(dataDir string) string { return filepath.Join(dataDir, logFileName) }

func destDir(dataDir, name string) string { return filepath.Join(dataDir, destsDir, name) }
