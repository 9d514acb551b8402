package geoip

import "encoding/json"

// GeoInfoJSON answers Kusto's geo_info_from_ip_address(ip): a JSON object
// with country, state, city, latitude and longitude, or ok false (null)
// when the address is not public or no database knows it. country is the
// English name where the database has one (GeoLite2) and the ISO code
// otherwise (ip-location-db); errors of a damaged database give null.
func (d *DB) GeoInfoJSON(ip string) (string, bool) {
	if !d.HasCity() {
		return "", false
	}
	in, err := d.Lookup(ip)
	if err != nil || in.Country == "" {
		return "", false
	}
	country := in.CountryName
	if country == "" {
		country = in.Country
	}
	b, err := json.Marshal(struct {
		Country   string  `json:"country"`
		State     string  `json:"state"`
		City      string  `json:"city"`
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
	}{country, in.State, in.City, in.Latitude, in.Longitude})
	if err != nil {
		return "", false
	}
	return string(b), true
}
