package filter

import "strings"

const (
	channelSecurity = "Security"
	appLockerPrefix = "Microsoft-Windows-AppLocker/"
)

// family is the part of the event log an event set covers.
type family uint8

const (
	familyOther family = iota
	familySecurity
	familyAppLocker
)

// familyOf classifies a channel name; Windows channel names are
// case-insensitive.
func familyOf(channel string) family {
	if strings.EqualFold(channel, channelSecurity) {
		return familySecurity
	}
	if len(channel) > len(appLockerPrefix) && strings.EqualFold(channel[:len(appLockerPrefix)], appLockerPrefix) {
		return familyAppLocker
	}
	return familyOther
}
