// Package rdpanomaly detects anomalous RDP logons (4624, LogonType 10) the
// way Sentinel's "Anomalous RDP Login Detection" describes its scenarios —
// an unusual IP, an unusual geo-location (ASN, city, country), a new user
// from an unexpected place — with a deterministic score that explains
// itself. It is pure Go over Logon records, so it is tested without a
// store; the caller reads logons from the workspace and resolves their
// addresses with package geoip.
//
// Model (design brief ../shared/spec/rdp-anomaly.md §2):
//   - Presence, not volume: for the user and for the tenant, the number of
//     distinct days a value was seen in the WindowDays (30) full days
//     before the logon's day, at each level of the hierarchy IP (IPv6 /64)
//     → prefix (/24, /48) → ASN → city → country.
//   - Beta-smoothed rarity surprise = −log2((n+0.5)/(N+1.5)): a value never
//     seen by a user with 28 active days is far more surprising than by a
//     user with 2, so cold-start confidence is in the formula.
//   - Evidence = the strongest rare level (seen on ≤ 1 day) weighted by
//     how much that level means (country 1, ASN 0.8, city 0.55, prefix
//     0.45, IP 0.35; the prefix counts as the network when no ASN is known),
//     times the tenant discount clamp(tenant surprise / max, 0.2, 1) (an
//     office NAT, VPN egress or a country colleagues visit is dampened),
//     plus 0.15 of each other rare level.
//   - Corroboration adds bits: ≥ 5 failed logons (4625) for the user or
//     from the address in the hour before (+3), a hosting ASN (+1.5), a
//     first logon to this Computer (+0.7), an hour of day the user never
//     logs on at (+0.7), a new private source (+0.5), loopback (+5: RDP
//     through a tunnel).
//   - Score = a fixed logistic of the evidence, 0–100 (50 at 4 bits). It
//     never changes once given: it depends on the window before the
//     logon's day only, never on later data or other scores.
//
// Flags (AnomalyReasons): UnusualIP (IP or prefix on ≤ 1 of the user's
// days), UnusualGeo (ASN, city or country rare for the user and on ≤ 10%
// of the tenant's days), NewUser (no RDP by the user in the window, from
// an IP or place rare in the tenant).
//
// Guards: nothing is emitted until the tenant has MinTenantDays (14) days
// of RDP in the window; a user with fewer than ConfidentDays (5) active
// days gets LowConfidence; at most one anomaly per user, novel value and
// day (later logons merge into it, with their destinations); machine
// accounts ($) and logons without an address are left out.
//
// Accuracy is measured by package rdpsim (a seeded, labelled synthetic
// tenant); see its documentation for the figures and the command.
package rdpanomaly
