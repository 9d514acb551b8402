// Package dcr keeps a workspace's data collection rules: which event set and
// which XPath queries apply to which machine groups. Agents pull the rules
// that apply to them (by the groups they are enrolled in) and apply them
// before anything is queued, so volume is cut at the source.
//
// Why a file per workspace and not the analytics store: rules are tiny,
// change rarely, must be readable when the store is busy or down, and are
// edited by the CLI while the server runs; the auth registry made the same
// choice for keys.
//
// Promises: every change is durable when it returns (atomicfile); a rule is
// validated (its set name and every XPath query compile) before it is stored,
// so an agent never receives a rule it cannot run; ForGroups returns an ETag
// that changes whenever the answer changes, so agents poll cheaply.
package dcr
