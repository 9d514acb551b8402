// Package sigmaimport lets the web interface import Sigma rules as
// analytics rules, as `wsec analytics import` does from the command line:
// the server converts each detection rule of a Sigma file to a scheduled
// analytics rule (package sigma) and imports it into the workspace's
// engine, and answers which rules were imported and which were refused,
// each with its reason — an unmapped log source, a Sigma feature the
// workspace's KQL lacks, a correlation rule (hunt only), or a query the
// workspace cannot compile.
//
// Why on the server: a browser has no Sigma converter, and converting
// here uses the same code as the CLI, so a rule imports the same way from
// both.
//
// HTTP, behind the access Gate (admin, audited like every rule change):
//
//	POST /v1/workspaces/{id}/analytics/sigma[?disabled=true]   body: one Sigma YAML file (documents separated by ---)
//	  → 200 Answer; 400 when the body is not Sigma at all
package sigmaimport

import (
	"context"
	"net/http"

	"wsec/internal/analytics"
	"wsec/internal/server"
	"wsec/internal/sigma"
)

// Path is the Sigma import API of a workspace.
const Path = "/v1/workspaces/{id}/analytics/sigma"

// MaxBodyBytes bounds one Sigma file.
const MaxBodyBytes = 1 << 20

// Engine imports analytics rules (analytics.Engine).
type Engine interface {
	Import(ctx context.Context, ws string, src []byte, disabled bool) (*analytics.Entry, error)
}

// Imported is a rule now in the workspace.
type Imported struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Severity string `json:"severity,omitempty"`
	Enabled  bool   `json:"enabled"`
	// Problem says why the rule is kept disabled ("" when it can run).
	Problem string `json:"problem,omitempty"`
}

// Refused is a Sigma rule that was not imported.
type Refused struct {
	Title    string `json:"title"`
	ID       string `json:"id,omitempty"`
	Category string `json:"category,omitempty"`
	Reason   string `json:"reason"`
	// Unsupported: valid Sigma that wsec cannot run (rather than a
	// broken rule).
	Unsupported bool `json:"unsupported"`
}

// Answer is what one file's import did.
type Answer struct {
	Imported []Imported `json:"imported"`
	Refused  []Refused  `json:"refused"`
}

// Routes serves the Sigma import API.
type Routes struct {
	Engine   Engine
	Verifier server.Verifier
}

// Register adds the route to mux.
func (rt Routes) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+Path, rt.importSigma)
}

func (rt Routes) importSigma(w http.ResponseWriter, r *http.Request) {
	ws, body, ok := server.AuthorizeWorkspace(w, r, rt.Verifier, MaxBodyBytes, "a Sigma file is at most 1 MiB; import large sets file by file")
	if !ok {
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "sigma.yml"
	}
	rules, problems, err := sigma.AnalyticsRules(name, body)
	if err != nil {
		server.WriteError(w, http.StatusBadRequest, "NotSigma", "the body is not a Sigma rule file: "+err.Error())
		return
	}
	a := Answer{Imported: []Imported{}, Refused: []Refused{}}
	for _, p := range problems {
		a.Refused = append(a.Refused, Refused{Title: p.Title, ID: p.ID, Category: p.Category, Reason: p.Err.Error(), Unsupported: p.Unsupported()})
	}
	disabled := r.URL.Query().Get("disabled") == "true"
	for _, ru := range rules {
		ent, err := rt.Engine.Import(r.Context(), ws, ru.Raw, disabled)
		if err != nil {
			a.Refused = append(a.Refused, Refused{Title: ru.Name, ID: ru.ID, Reason: err.Error()})
			continue
		}
		a.Imported = append(a.Imported, Imported{ID: ent.Rule.ID, Name: ent.Rule.Name, Severity: ent.Rule.Severity, Enabled: ent.Enabled, Problem: ent.Problem})
	}
	server.WriteJSON(w, http.StatusOK, a)
}
