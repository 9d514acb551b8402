package protocol

import (
	"strings"
	"testing"
)

func TestValidSender(t *testing.T) {
	for s, want := range map[string]bool{
		"agent-01.corp.example":                  true,
		"{0f8fad5b-d9cb-469f-a165-70867728950e}": true,
		"svc_import@host:1":                      true,
		strings.Repeat("a", MaxSenderBytes):      true,
		strings.Repeat("a", MaxSenderBytes+1):    false,
		"":                                       false,
		"two words":                              false,
		"agent/01":                               false,
		"agent\xff":                              false,
		"ägent":                                  false,
	} {
		if got := ValidSender(s); got != want {
			t.Errorf("ValidSender(%.20q) = %v, want %v", s, got, want)
		}
	}
}
