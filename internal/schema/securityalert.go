package schema

// Names of the detection tables: what analytics rules raise (package
// analytics writes them; queries read them like any table).
const (
	SecurityAlertTable    = "SecurityAlert"
	SecurityIncidentTable = "SecurityIncident"
)

// securityAlertColumns are the columns of Sentinel's SecurityAlert table
// (the Azure Monitor table reference), in its order. Dynamic columns hold
// JSON text (Entities is an array of entity objects, ExtendedProperties an
// object of strings), as Sentinel stores them.
var securityAlertColumns = [...]Column{
	{Name: "TimeGenerated", Type: DateTime},
	{Name: "DisplayName", Type: String},
	{Name: "AlertName", Type: String},
	{Name: "AlertSeverity", Type: String},
	{Name: "Description", Type: String},
	{Name: "ProviderName", Type: String},
	{Name: "VendorName", Type: String},
	{Name: "VendorOriginalId", Type: String},
	{Name: "SystemAlertId", Type: String},
	{Name: "ResourceId", Type: String},
	{Name: "SourceComputerId", Type: String},
	{Name: "AlertType", Type: String},
	{Name: "ConfidenceLevel", Type: String},
	{Name: "ConfidenceScore", Type: Real},
	{Name: "IsIncident", Type: Bool},
	{Name: "StartTime", Type: DateTime},
	{Name: "EndTime", Type: DateTime},
	{Name: "ProcessingEndTime", Type: DateTime},
	{Name: "RemediationSteps", Type: String},
	{Name: "ExtendedProperties", Type: Dynamic},
	{Name: "Entities", Type: Dynamic},
	{Name: "SourceSystem", Type: String},
	{Name: "WorkspaceSubscriptionId", Type: String},
	{Name: "WorkspaceResourceGroup", Type: String},
	{Name: "ExtendedLinks", Type: Dynamic},
	{Name: "ProductName", Type: String},
	{Name: "ProductComponentName", Type: String},
	{Name: "AlertLink", Type: String},
	{Name: "Status", Type: String},
	{Name: "CompromisedEntity", Type: String},
	{Name: "Tactics", Type: String},
	{Name: "Techniques", Type: Dynamic},
	{Name: "SubTechniques", Type: Dynamic},
	{Name: "Type", Type: String},
}

// securityIncidentColumns are the columns of Sentinel's SecurityIncident
// table. Every change of an incident appends a row (a version), as in
// Sentinel: the current state of an incident is its row with the latest
// TimeGenerated.
var securityIncidentColumns = [...]Column{
	{Name: "TimeGenerated", Type: DateTime},
	{Name: "IncidentName", Type: String},
	{Name: "Title", Type: String},
	{Name: "Description", Type: String},
	{Name: "Severity", Type: String},
	{Name: "Status", Type: String},
	{Name: "Classification", Type: String},
	{Name: "ClassificationComment", Type: String},
	{Name: "ClassificationReason", Type: String},
	{Name: "Owner", Type: Dynamic},
	{Name: "ProviderName", Type: String},
	{Name: "ProviderIncidentId", Type: String},
	{Name: "FirstActivityTime", Type: DateTime},
	{Name: "LastActivityTime", Type: DateTime},
	{Name: "FirstModifiedTime", Type: DateTime},
	{Name: "LastModifiedTime", Type: DateTime},
	{Name: "CreatedTime", Type: DateTime},
	{Name: "ClosedTime", Type: DateTime},
	{Name: "IncidentNumber", Type: Int},
	{Name: "RelatedAnalyticRuleIds", Type: Dynamic},
	{Name: "AlertIds", Type: Dynamic},
	{Name: "BookmarkIds", Type: Dynamic},
	{Name: "Comments", Type: Dynamic},
	{Name: "Tasks", Type: Dynamic},
	{Name: "Labels", Type: Dynamic},
	{Name: "IncidentUrl", Type: String},
	{Name: "AdditionalData", Type: Dynamic},
	{Name: "ModifiedBy", Type: String},
	{Name: "SourceSystem", Type: String},
	{Name: "Type", Type: String},
}
