// Package rdpscan connects the RDP anomaly detector to a workspace: it
// reads RDP logons (SecurityEvent 4624 and 4625 with LogonType 10) with
// KQL through the same Querier as the query API, resolves each distinct
// address once with the workspace's GeoIP databases, scores the requested
// period with package rdpanomaly and serves the anomalies, in the columns
// of Sentinel's Anomalies table, on GET /v1/workspaces/{id}/anomalies/rdp.
//
// Why KQL and not the store: the scan sees exactly what a query sees
// (workspace isolation, retention, the SecurityEvent schema), and the
// summarised reads keep the rows bounded — successes one row per user,
// address, Computer and hour (presence per day and hour is all the
// baseline needs), failures one per minute for the burst check, expanded
// to at most 10 records. A read that hits the store's row limit is an
// error asking for a shorter range, never a silently partial baseline.
//
// Geo is resolved at scan time with the databases loaded now (the
// anomaly records the edition it used). Without databases everything
// works and the response's geoip field says city and ASN are off.
//
// GeoIP setting. A workspace's databases are the server's (wsec serve
// --geoip-city, --geoip-asn) unless its settings name its own
// (geoip.Settings), which an admin changes without a restart:
//
//	GET    /v1/workspaces/{id}/geoip   GeoIPView (reader)
//	PUT    /v1/workspaces/{id}/geoip   GeoIPSettings → GeoIPView (admin); 400 InvalidGeoIP naming the file that does not open
//	DELETE /v1/workspaces/{id}/geoip   → GeoIPView (admin): the server's databases again
//
// The routes live here, not in package settings, because the scan is
// what the databases serve; the paths are files on the server, so only an
// admin may name them.
package rdpscan
