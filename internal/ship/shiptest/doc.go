// Package shiptest is for tests only: it reads a shipped request body the
// way a workspace's ingest does (undo the Content-Encoding, decode the
// batch framing with event.NewBatchDecoder), so the fake workspaces of the
// ship and agent tests share one reader instead of keeping two copies. It
// decompresses with the codec libraries directly, not with ship's own
// compressor, so it stays an independent check of what a Shipper sends.
package shiptest
