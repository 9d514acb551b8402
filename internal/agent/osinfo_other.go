//go:build !windows

package agent

import (
	"bufio"
	"os"
	"strings"
)

// osInfo reads the distribution's name and version from /etc/os-release.
func osInfo() (name, major, minor string) {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return "", "", ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		switch k {
		case "PRETTY_NAME":
			name = v
		case "VERSION_ID":
			major, minor, _ = strings.Cut(v, ".")
		}
	}
	return name, major, minor
}
