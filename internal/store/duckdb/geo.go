package duckdb

import (
	"context"
	"fmt"

	duck "github.com/duckdb/duckdb-go/v2"
)

// geoFunc is the SQL function KQL's geo_info_from_ip_address() compiles to
// (internal/kql/sql): wsec_geo_info(ip) is the JSON text of
// Options.GeoInfo(ip), NULL when it has no answer or none is configured.
const geoFunc = "wsec_geo_info"

// registerGeoFunc registers wsec_geo_info on w's database.
func registerGeoFunc(w *Workspace) error {
	if err := duck.RegisterScalarUDF(w.wconn, geoFunc, geoUDF{ws: w.id, info: w.s.opts.GeoInfo}); err != nil {
		return fmt.Errorf("register %s: %w", geoFunc, err)
	}
	return nil
}

type geoUDF struct {
	ws   string
	info func(ws, ip string) (string, bool)
}

func (geoUDF) Config() duck.ScalarFuncConfig {
	vc, err := duck.NewTypeInfo(duck.TYPE_VARCHAR)
	if err != nil {
		panic("BUG: duckdb: VARCHAR type info: " + err.Error())
	}
	return duck.ScalarFuncConfig{InputTypeInfos: []duck.TypeInfo{vc}, ResultTypeInfo: vc}
}

// Executor has no ScalarBinder, as wsec_col (field.go): a NULL constant
// argument must not abort the process.
func (u geoUDF) Executor() duck.ScalarFuncExecutor {
	return duck.ScalarFuncExecutor{ChunkContextExecutor: u.execute}
}

func (u geoUDF) execute(_ context.Context, st *duck.ChunkIteratorState) error {
	in := st.GetInputChunk()
	v, err := in.GetVector(0)
	if err != nil {
		return fmt.Errorf("%s input: %w", geoFunc, err)
	}
	ips, err := duck.GetVectorView[string](v)
	if err != nil {
		return fmt.Errorf("%s input: %w", geoFunc, err)
	}
	out, err := duck.GetVectorWriter[string](st.GetResultVector())
	if err != nil {
		return fmt.Errorf("%s result: %w", geoFunc, err)
	}
	for row := range in.GetSize() {
		ip, ok, err := ips.GetValueBorrowed(row)
		if err != nil {
			return err
		}
		js := ""
		if ok && u.info != nil {
			js, ok = u.info(u.ws, ip)
		}
		if !ok || u.info == nil {
			err = out.SetNull(row)
		} else {
			err = out.Set(row, js)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
