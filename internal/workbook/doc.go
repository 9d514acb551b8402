// Package workbook keeps a workspace's workbooks: named dashboards of KQL
// tiles that the web interface shows and that every user of the workspace
// shares. A workbook is data only; its tiles run as ordinary queries
// through the query API, with the viewer's rights.
//
// Promises:
//   - A workspace's workbooks live in one JSON file, <dir>/<workspace>.json,
//     replaced atomically on every change (package atomicfile): a crash
//     leaves the old or the new set, never a torn file.
//   - "overview" always exists: until a user saves one of that ID, it is
//     the built-in "Windows security events" workbook (overview.json), and
//     deleting a saved overview brings the built-in one back.
//   - Limits (limits below) are checked on every Put with a message that
//     says which was hit; a refused workbook changes nothing.
//   - Tile queries may name the parameters {TimeRange}, {Computer} and
//     {Account}; the client replaces them (as KQL string literals) before
//     running the tile. The store does not interpret queries.
//
// HTTP (Routes), authenticated like every workspace endpoint:
//
//	GET    /v1/workspaces/{id}/workbooks          {"workbooks":[{id,name,description,tiles:N,updated,updatedBy}]}
//	GET    /v1/workspaces/{id}/workbooks/{wb}     the workbook
//	PUT    /v1/workspaces/{id}/workbooks/{wb}     create or replace (body: the workbook; id from the path)
//	DELETE /v1/workspaces/{id}/workbooks/{wb}
package workbook
