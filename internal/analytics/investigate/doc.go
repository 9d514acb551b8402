// Package investigate answers the two questions an analyst asks of an
// incident: what are its entities and what happened around them, and what
// else did one account, host or IP do. It reads the workspace with KQL
// (SecurityAlert for the alerts behind an incident, SecurityEvent and
// WindowsEvent for the activity), so it sees exactly what a query sees.
//
// # Entity pivot
//
// Pivot returns every event of an entity in [from, to) over SecurityEvent
// and WindowsEvent, oldest first, with counts per table and event ID. An
// entity is a kind and a value:
//
//   - account: "DOMAIN\user", "user@upn.suffix" or "user". SecurityEvent
//     rows match when Account, TargetAccount or SubjectAccount equals the
//     value, or TargetUserName or SubjectUserName equals its name part
//     (case-insensitive); WindowsEvent rows when EventData has the name.
//   - host: "dc1" or "dc1.contoso.local". Rows match when Computer is the
//     name or its DNS name, or (SecurityEvent) WorkstationName is the short
//     name — so the logons made from the host show too.
//   - ip: an IPv4 or IPv6 address. SecurityEvent rows match on IpAddress,
//     WindowsEvent rows when EventData has the address.
//
// At most Limit events are returned (default DefaultLimit, at most
// MaxLimit); Truncated says when there were more (the counts are then of
// the returned events only).
//
// # Incident investigation
//
// Incident takes an incident and returns its alerts (from SecurityAlert),
// the distinct entities of those alerts, and a timeline: the alerts and the
// events of the pivotable entities (Account, Host, IP) from Margin before
// the incident's first activity to Margin after its last. Each event says
// which alerts it is behind (its time is in the alert's activity span and
// it matches one of the alert's entities); the others are context around
// them.
//
// # JSON
//
// The HTTP API (package analytics) answers with these types as JSON:
//
//	GET /v1/workspaces/{id}/incidents/{n}/investigation[?margin=1h&limit=1000]
//	{
//	  "incident": { ...the incident, as GET /incidents/{n}... },
//	  "alerts": [{"systemAlertId": "…", "alertName": "…", "severity": "High",
//	              "timeGenerated": T, "startTime": T, "endTime": T,
//	              "tactics": ["CredentialAccess"], "entities": [Entity]}],
//	  "entities": [{"type": "Account", "identifiers": {"FullName": "CONTOSO\\bob", "Name": "bob", …},
//	                "kind": "account", "value": "CONTOSO\\bob"}],
//	  "from": T, "to": T,
//	  "timeline": [
//	    {"time": T, "kind": "alert", "alert": "…SystemAlertId…"},
//	    {"time": T, "kind": "event", "event": Event, "behind": ["…SystemAlertId…"]}
//	  ],
//	  "truncated": false
//	}
//
//	GET /v1/workspaces/{id}/entities/{kind}/{value}?from=T&to=T[&limit=N]
//	{
//	  "kind": "account", "value": "CONTOSO\\bob", "from": T, "to": T,
//	  "events": [Event],
//	  "counts": [{"table": "SecurityEvent", "eventId": 4625, "activity": "4625 - An account failed to log on.", "count": 12}],
//	  "truncated": false
//	}
//
// An Event is {"timeGenerated", "table", "computer", "channel", "eventId",
// "activity", "account", "ipAddress", "logonType", "process",
// "commandLine", "eventData"} with empty fields left out. Entity kinds
// (pivot values) come from alert entities as Account FullName (else
// NTDomain\Name, else Name), Host HostName (else FullName), IP Address;
// other entity types are listed but have no pivot (kind "").
package investigate
