package auth

// On-disk names inside the registry directory.
const (
	registryFileName = "workspaces.json"
	lockFileName     = "workspaces.lock"
)
