package rule

import (
	"regexp"
	"strings"
)

// templateRE is a {{Column}} reference of alertDetailsOverride.
var templateRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// TemplateColumns lists the columns a {{Column}} template names.
func TemplateColumns(tmpl string) []string {
	var out []string
	for _, m := range templateRE.FindAllStringSubmatch(tmpl, -1) {
		out = append(out, m[1])
	}
	return out
}

// Expand fills a {{Column}} template with the values value returns.
func Expand(tmpl string, value func(column string) string) string {
	return strings.TrimSpace(templateRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		return value(templateRE.FindStringSubmatch(m)[1])
	}))
}
