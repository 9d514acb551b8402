package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"wsec/internal/auth"
	"wsec/internal/cli"
)

// hiddenKey stands for a key that `workspace list` does not print.
const hiddenKey = "(hidden: --show-keys)"

func runWorkspace(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec", "workspace", []string{"create", "list", "rotate-key"}, args, stdout)
	if err != nil {
		return err
	}
	fs := newFlagSet("workspace "+sub, stderr)
	data := fs.String("data", envDefault("WSEC_DATA", "wsec-data"), "data directory of the workspace server")
	asJSON := fs.Bool("json", false, "print JSON")
	var name, id, which *string
	showKeys := new(bool)
	switch sub {
	case "create":
		name = fs.String("name", "default", "workspace name")
	case "list":
		showKeys = fs.Bool("show-keys", false, "print the keys (hidden by default: a listing ends up in terminals, logs and screenshots)")
	case "rotate-key":
		id = fs.String("workspace", envDefault("WSEC_WORKSPACE", ""), "workspace ID")
		which = fs.String("key", "primary", "which key to replace: primary or secondary")
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	// Usage is checked before auth.Open, which creates the data directory.
	var kind auth.KeyKind
	if sub == "rotate-key" {
		var err error
		if kind, err = auth.ParseKeyKind(*which); err != nil {
			return cli.UsageError(err.Error())
		}
		if *id == "" {
			return cli.UsageError("--workspace is required (or set WSEC_WORKSPACE)")
		}
	}
	reg, err := auth.Open(*data, auth.Options{})
	if err != nil {
		return err
	}
	var out []auth.Workspace
	switch sub {
	case "create":
		w, err := reg.Create(*name)
		if err != nil {
			return err
		}
		out = append(out, w)
		if err := firstAdmin(*data, w.ID, stderr); err != nil {
			return err
		}
	case "list":
		out = reg.List()
		if !*showKeys {
			for i := range out {
				out[i].PrimaryKey, out[i].SecondaryKey = hiddenKey, hiddenKey
			}
		}
	case "rotate-key":
		w, err := reg.RotateKey(*id, kind)
		if err != nil {
			return err
		}
		out = append(out, w)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if sub == "list" {
			return enc.Encode(out)
		}
		return enc.Encode(out[0])
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPRIMARY KEY\tSECONDARY KEY")
	for _, w := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.ID, w.Name, w.PrimaryKey, w.SecondaryKey)
	}
	return tw.Flush()
}

// firstAdmin creates the user admin, admin of workspace ws, when the data
// directory has no user yet, and prints its one-time password; otherwise
// it says how to give users access.
func firstAdmin(data, ws string, stderr io.Writer) error {
	st, audit, err := openAccess(data, nil)
	if err != nil {
		return err
	}
	if len(st.Users()) > 0 {
		fmt.Fprintf(stderr, "give users access to the workspace with: wsec user role --data %s --name NAME --workspace %s --role admin\n", data, ws)
		return nil
	}
	password, err := grantAdmin(st, audit, ws)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "first admin: user %s, one-time password %s (shown once; log in to the server's web page, or make a token with 'wsec token create --user %s --workspace %s --role admin'; change it with 'wsec user password --name %s')\n",
		adminUser, password, adminUser, ws, adminUser)
	return nil
}
