package rdpanomaly

import "strings"

// hostingWords mark an ASN organisation as a hosting, cloud or VPS
// provider: an interactive logon from one is rarely a person at home.
// Matched case-insensitively as substrings of the organisation name.
var hostingWords = []string{
	"hosting", "host ", "server", "datacenter", "data center", "cloud", "vps", "colo",
	"digitalocean", "ovh", "hetzner", "linode", "akamai", "vultr", "choopa", "leaseweb",
	"m247", "contabo", "amazon", "aws", "google llc", "microsoft corporation", "alibaba",
	"tencent", "oracle", "scaleway", "ionos", "hostinger", "datacamp", "psychz", "quadranet",
}

func isHosting(org string) bool {
	o := strings.ToLower(org)
	if o == "" {
		return false
	}
	for _, w := range hostingWords {
		if strings.Contains(o, w) {
			return true
		}
	}
	return false
}
