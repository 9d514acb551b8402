// Package synthetic generates a realistic Windows Security event mix for
// demos, load tests and end-to-end tests.
//
// Why deterministic: event n is a pure function of (Options, n). An agent
// that restarts at position n regenerates exactly the events it had not yet
// delivered, so "none lost, none twice" can be checked exactly — by count and
// by EventRecordID ranges — without recording what was generated.
//
// The mix follows what a busy Windows member server or DC writes: mostly
// logons (4624 types 2/3/10), logoffs (4634), special privileges (4672) and
// process creation (4688 with command lines), with bursts of failed logons
// (4625) from one address, Kerberos and NTLM validation (4768/4769/4776),
// explicit credentials (4648), group and account changes (4720, 4722, 4728,
// 4732, 4738, 4756) and, on every 50th position, an AppLocker event
// (8002/8003/8004) in the "Microsoft-Windows-AppLocker/EXE and DLL" channel.
//
// Record IDs are per channel and gap-free: AppLocker events take positions
// 49, 99, 149, ... so the k-th event of each channel has EventRecordID
// FirstRecordID+k, as in a real log.
package synthetic
