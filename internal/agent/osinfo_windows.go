//go:build windows

package agent

import (
	"strconv"

	"golang.org/x/sys/windows/registry"
)

// osInfo reads the Windows product name and version from the registry
// (what winver shows).
func osInfo() (name, major, minor string) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Windows NT\CurrentVersion`, registry.QUERY_VALUE)
	if err != nil {
		return "Windows", "", ""
	}
	defer k.Close()
	name, _, _ = k.GetStringValue("ProductName")
	if name == "" {
		name = "Windows"
	}
	if v, _, err := k.GetIntegerValue("CurrentMajorVersionNumber"); err == nil {
		major = strconv.FormatUint(v, 10)
	}
	if v, _, err := k.GetIntegerValue("CurrentMinorVersionNumber"); err == nil {
		minor = strconv.FormatUint(v, 10)
	}
	return name, major, minor
}
