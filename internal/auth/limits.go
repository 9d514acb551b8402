package auth

import "time"

const (
	// MaxClockSkew is how far a request's x-ms-date may be from the server
	// clock, either way. Older requests are refused as possible replays,
	// newer ones as clock errors. 15 minutes is Azure Storage's SharedKey
	// window, wide enough for unsynchronised endpoints, narrow enough that a
	// captured request soon stops working.
	MaxClockSkew = 15 * time.Minute

	// MaxBatchAge is how old the x-ms-date of a WsecKey events batch may
	// be (Verifier.VerifyBatch): how long a relay gateway (internal/gateway)
	// may hold a signed batch before forwarding it. A replay of a batch
	// stores nothing, so the window bounds only how stale a batch can be,
	// not what a captured one can do; 7 days covers a site offline over a
	// long weekend.
	MaxBatchAge = 7 * 24 * time.Hour

	// KeyBytes is the length of a workspace key before base64: 64 random
	// bytes, as Azure's workspace keys have (88 base64 characters).
	KeyBytes = 64

	// MaxNameBytes bounds a workspace's display name; longer names are
	// refused by Create.
	MaxNameBytes = 256

	// MaxWorkspaces bounds the registry. Each workspace costs a few hundred
	// bytes in memory and in the file; the bound keeps a runaway script from
	// making every lookup and rewrite slow.
	MaxWorkspaces = 10_000

	// MaxRegistryFileBytes is the largest registry file Open reads
	// (MaxWorkspaces entries fit with room to spare).
	MaxRegistryFileBytes = 16 << 20

	// MaxAuthorizationBytes bounds the Authorization header we parse:
	// "SharedKey " + 36-character GUID + ":" + 44-character signature is 91.
	MaxAuthorizationBytes = 512

	// ReloadInterval is how often, at most, Lookup checks whether the
	// registry file changed on disk (another process created or rotated a
	// key). Checking is one stat call.
	ReloadInterval = time.Second
)

const (
	// MaxNonces bounds the WsecKey nonces a Verifier remembers. A nonce is
	// kept until its request's date leaves MaxClockSkew (at most 30
	// minutes), so the bound allows about 1,100 signed requests a second
	// across all workspaces; beyond it requests are refused with
	// ReasonReplayCacheFull (the handlers answer 503) rather than
	// forgetting a nonce early. A nonce costs about 100 bytes: 100 MiB.
	MaxNonces = 1 << 20

	// MinNonceBytes and MaxNonceBytes bound x-wsec-nonce; SignContent sends
	// 22 characters (16 random bytes, base64url).
	MinNonceBytes = 16
	MaxNonceBytes = 64
)
