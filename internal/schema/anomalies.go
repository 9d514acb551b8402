package schema

// AnomaliesTable is Sentinel's table of anomalies (UEBA and anomaly
// rules); wsec's RDP logon detector writes it (package rdpscan).
const AnomaliesTable = "Anomalies"

// anomaliesColumns are the columns of Sentinel's Anomalies table (the
// Azure Monitor table reference), in its order. Score is 0–100 here;
// SourceLocation, AnomalyReasons, Entities and ExtendedProperties hold
// JSON as Sentinel's dynamic columns do.
var anomaliesColumns = [...]Column{
	{Name: "TimeGenerated", Type: DateTime},
	{Name: "Id", Type: String},
	{Name: "WorkspaceId", Type: String},
	{Name: "VendorName", Type: String},
	{Name: "AnomalyTemplateId", Type: String},
	{Name: "AnomalyTemplateName", Type: String},
	{Name: "AnomalyTemplateVersion", Type: String},
	{Name: "RuleId", Type: String},
	{Name: "RuleStatus", Type: String},
	{Name: "RuleName", Type: String},
	{Name: "RuleConfigVersion", Type: String},
	{Name: "Score", Type: Real},
	{Name: "Description", Type: String},
	{Name: "StartTime", Type: DateTime},
	{Name: "EndTime", Type: DateTime},
	{Name: "ExtendedLinks", Type: Dynamic},
	{Name: "Tactics", Type: String},
	{Name: "Techniques", Type: String},
	{Name: "UserName", Type: String},
	{Name: "UserPrincipalName", Type: String},
	{Name: "SourceIpAddress", Type: String},
	{Name: "SourceLocation", Type: Dynamic},
	{Name: "SourceDevice", Type: String},
	{Name: "DestinationIpAddress", Type: String},
	{Name: "DestinationLocation", Type: Dynamic},
	{Name: "DestinationDevice", Type: String},
	{Name: "ActivityInsights", Type: Dynamic},
	{Name: "DeviceInsights", Type: Dynamic},
	{Name: "UserInsights", Type: Dynamic},
	{Name: "AnomalyReasons", Type: Dynamic},
	{Name: "Entities", Type: Dynamic},
	{Name: "ExtendedProperties", Type: Dynamic},
	{Name: "AnomalyDetails", Type: Dynamic},
	{Name: "SourceSystem", Type: String},
	{Name: "Type", Type: String},
}
