package filter

import (
	"fmt"
	"strings"

	"wsec/internal/event"
)

// Set is one of the four reference event sets of the Security and AppLocker
// connector. The zero value is SetNone: it admits nothing.
type Set uint8

const (
	SetNone    Set = iota // nothing: disables set-based collection
	SetMinimal            // events that may indicate a breach, plus rare important ones
	SetCommon             // a full user audit trail at a manageable volume
	SetAll                // every Security and AppLocker event
)

// setNames lists the valid names in the order error messages give them.
const setNames = "All, Common, Minimal, None"

func (s Set) String() string {
	switch s {
	case SetNone:
		return "None"
	case SetMinimal:
		return "Minimal"
	case SetCommon:
		return "Common"
	case SetAll:
		return "All"
	}
	return fmt.Sprintf("Set(%d)", uint8(s))
}

// ParseSet returns the set called name, ignoring case and surrounding space.
func ParseSet(name string) (Set, error) {
	switch n := strings.TrimSpace(name); {
	case strings.EqualFold(n, "All"):
		return SetAll, nil
	case strings.EqualFold(n, "Common"):
		return SetCommon, nil
	case strings.EqualFold(n, "Minimal"):
		return SetMinimal, nil
	case strings.EqualFold(n, "None"):
		return SetNone, nil
	}
	return SetNone, fmt.Errorf("unknown event set %q (valid: %s)", name, setNames)
}

// ParseRuleSet reads the event set of a data collection rule, where none
// given means None: a rule of XPath queries only.
func ParseRuleSet(name string) (Set, error) {
	if strings.TrimSpace(name) == "" {
		return SetNone, nil
	}
	return ParseSet(name)
}

// MarshalText renders the set's name, so a Set is a JSON string.
func (s Set) MarshalText() ([]byte, error) {
	if s > SetAll {
		return nil, fmt.Errorf("marshal event set: invalid value %d", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText accepts what ParseSet accepts; config with an unknown set
// name fails to load rather than silently collecting nothing.
func (s *Set) UnmarshalText(b []byte) error {
	v, err := ParseSet(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Admits reports whether the set keeps e. Sets apply to the Security channel
// and the AppLocker channels (Microsoft-Windows-AppLocker/*) only, and an ID
// counts together with its channel: 8001-8007 are AppLocker IDs and are
// admitted on AppLocker channels; every other listed ID is a Security-channel
// ID. Channel names compare case-insensitively, as Windows compares them.
func (s Set) Admits(e *event.Event) bool {
	if s == SetNone {
		return false
	}
	fam := familyOf(e.System.Channel)
	if fam == familyOther {
		return false
	}
	if s == SetAll {
		return true
	}
	id := e.System.EventID
	if (fam == familyAppLocker) != isAppLockerSetID(id) {
		return false
	}
	if s == SetMinimal {
		return isMinimalID(id)
	}
	return isCommonID(id)
}

// IDs returns the set's event IDs in ascending order (a fresh slice). It is
// nil for SetNone and SetAll, which are not defined by ID lists.
func (s Set) IDs() []uint16 {
	var in func(uint16) bool
	switch s {
	case SetMinimal:
		in = isMinimalID
	case SetCommon:
		in = isCommonID
	default:
		return nil
	}
	var ids []uint16
	for id := range 1 << 16 {
		if in(uint16(id)) {
			ids = append(ids, uint16(id))
		}
	}
	return ids
}

// channels returns the channels a set needs subscribed.
func (s Set) channels() []string {
	switch s {
	case SetMinimal, SetCommon:
		// 8001-8007 are written to these two AppLocker channels.
		return []string{channelSecurity, appLockerPrefix + "EXE and DLL", appLockerPrefix + "MSI and Script"}
	case SetAll:
		return []string{channelSecurity,
			appLockerPrefix + "EXE and DLL", appLockerPrefix + "MSI and Script",
			appLockerPrefix + "Packaged app-Deployment", appLockerPrefix + "Packaged app-Execution"}
	}
	return nil
}
