package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"syscall"

	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/server"
)

// DefaultURL is where client commands find the workspace server when
// neither --url nor WSEC_URL says otherwise: wsec serve's default address.
const DefaultURL = "http://" + server.DefaultAddr

// clientFlags are the connection flags every client command takes.
type clientFlags struct {
	url, workspace, key, token *string
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{
		url:       fs.String("url", envDefault("WSEC_URL", DefaultURL), "workspace server URL (env WSEC_URL)"),
		workspace: fs.String("workspace", envDefault("WSEC_WORKSPACE", ""), "workspace ID (env WSEC_WORKSPACE)"),
		key:       fs.String("key", envDefault("WSEC_KEY", ""), "workspace key, primary or secondary, for sending events (env WSEC_KEY)"),
		token:     fs.String("token", envDefault("WSEC_TOKEN", ""), "API token for queries and management, from 'wsec token create' (env WSEC_TOKEN)"),
	}
}

func (c clientFlags) client(o client.Options) (*client.Client, error) {
	if *c.workspace == "" {
		return nil, cli.UsageError("no workspace: pass --workspace or set WSEC_WORKSPACE (see 'wsec workspace list')")
	}
	o.Token = *c.token
	return client.New(*c.url, *c.workspace, *c.key, o)
}

// explainUnreachable adds what to do to an error saying that nothing
// listens at the workspace server's address; other errors (and nil) are
// returned as they are.
func explainUnreachable(err error) error {
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return err
	}
	where := "the workspace server's address"
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			where = u.Scheme + "://" + u.Host
		}
	}
	return fmt.Errorf("%w\nnothing listens at %s: start the workspace server with 'wsec serve', or point --url (or WSEC_URL) at a running one", err, where)
}
