package rdpscan

import (
	"time"

	"wsec/internal/rdpanomaly"
)

// Names of the built-in rule, as Sentinel's.
const (
	TemplateName = "Anomalous RDP Login Detection"
	RuleName     = "Anomalous RDP Login Detection"
)

// Row is an anomaly in the columns of Sentinel's Anomalies table.
type Row struct {
	TimeGenerated       time.Time          `json:"TimeGenerated"`
	AnomalyTemplateName string             `json:"AnomalyTemplateName"`
	RuleName            string             `json:"RuleName"`
	Score               int                `json:"Score"`
	Description         string             `json:"Description"`
	UserName            string             `json:"UserName"`
	SourceIPAddress     string             `json:"SourceIpAddress"`
	SourceLocation      Location           `json:"SourceLocation"`
	DestinationDevice   string             `json:"DestinationDevice"`
	StartTime           time.Time          `json:"StartTime"`
	EndTime             time.Time          `json:"EndTime"`
	AnomalyReasons      []string           `json:"AnomalyReasons"`
	ExtendedProperties  rdpanomaly.Anomaly `json:"ExtendedProperties"`
	Entities            []Entity           `json:"Entities"`
	Tactics             []string           `json:"Tactics"`
	Techniques          []string           `json:"Techniques"`
}

// Location is SourceLocation: empty fields when geo is off or unknown.
type Location struct {
	CountryCode string `json:"CountryCode,omitempty"`
	City        string `json:"City,omitempty"`
	ASN         uint32 `json:"ASN,omitempty"`
	ASNOrg      string `json:"ASNOrganization,omitempty"`
	Class       string `json:"AddressClass"`
}

// Entity is one entry of Entities, in Sentinel's entity shape.
type Entity struct {
	Type     string `json:"Type"`
	Name     string `json:"Name,omitempty"`
	Address  string `json:"Address,omitempty"`
	HostName string `json:"HostName,omitempty"`
}

// Tactics and techniques of a suspicious RDP logon (MITRE ATT&CK).
var (
	tactics    = []string{"InitialAccess", "LateralMovement"}
	techniques = []string{"T1078", "T1021.001"}
)

// Rows turns anomalies into rows, generated at now.
func Rows(as []rdpanomaly.Anomaly, now time.Time) []Row {
	rows := make([]Row, 0, len(as))
	for _, a := range as {
		ents := []Entity{{Type: "account", Name: a.User}}
		if a.SourceIP != "" {
			ents = append(ents, Entity{Type: "ip", Address: a.SourceIP})
		}
		for _, d := range a.Destinations {
			ents = append(ents, Entity{Type: "host", HostName: d})
		}
		rows = append(rows, Row{
			TimeGenerated: now, AnomalyTemplateName: TemplateName, RuleName: RuleName,
			Score: a.Score, Description: a.Description, UserName: a.User, SourceIPAddress: a.SourceIP,
			SourceLocation:    Location{CountryCode: a.Country, City: a.City, ASN: a.ASN, ASNOrg: a.Org, Class: a.Class},
			DestinationDevice: a.Destinations[0], StartTime: a.StartTime, EndTime: a.EndTime,
			AnomalyReasons: a.Reasons, ExtendedProperties: a, Entities: ents, Tactics: tactics, Techniques: techniques,
		})
	}
	return rows
}
