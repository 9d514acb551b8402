package main

import (
	"flag"

	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/server"
)

// DefaultURL is where client commands find the workspace server when
// neither --url nor WSEC_URL says otherwise: wsec serve's default address.
const DefaultURL = "http://" + server.DefaultAddr

// clientFlags are the connection flags every client command takes.
type clientFlags struct {
	url, workspace, key *string
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{
		url:       fs.String("url", envDefault("WSEC_URL", DefaultURL), "workspace server URL (env WSEC_URL)"),
		workspace: fs.String("workspace", envDefault("WSEC_WORKSPACE", ""), "workspace ID (env WSEC_WORKSPACE)"),
		key:       fs.String("key", envDefault("WSEC_KEY", ""), "workspace key, primary or secondary (env WSEC_KEY)"),
	}
}

func (c clientFlags) client(o client.Options) (*client.Client, error) {
	if *c.workspace == "" {
		return nil, cli.UsageError("no workspace: pass --workspace or set WSEC_WORKSPACE (see 'wsec workspace list')")
	}
	return client.New(*c.url, *c.workspace, *c.key, o)
}
