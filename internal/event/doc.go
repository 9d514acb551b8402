// Package event is the one type that travels the whole wsec pipeline: a Windows
// event as Windows wrote it, System header plus its EventData (or UserData) as
// ordered name/value pairs.
//
// Why a model of our own rather than a map or the XML: every hop (EVTX and XML
// decoders, filters, spool, shipper, ingest, SecurityEvent mapping) needs the
// same few System fields fast and the payload in its original order, and the
// agent must not depend on the store's schema. The model is deliberately flat
// and string-valued for the payload: values are kept exactly as Windows renders
// them ("%%2313", "-", "0x3e7", "S-1-5-18"), because detection content compares
// those strings.
//
// Promises:
//   - Data keeps document order; unnamed <Data> elements have Name "" and keep
//     their position.
//   - TimeCreated keeps Windows' 100 ns precision (time.Time has 1 ns).
//   - The JSON form (AppendJSON / UnmarshalJSON) and the binary form
//     (AppendBinary / DecodeBinary) both round-trip every field exactly.
//     JSON is for people and jsonl output; binary is for the spool and the wire,
//     where decoding speed matters. Binary is described in FORMAT.md.
package event
