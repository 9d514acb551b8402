package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"wsec/internal/analytics/notify"
	"wsec/internal/cli"
	"wsec/internal/client"
)

// runWebhook is wsec analytics webhook list|add|delete.
func runWebhook(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec analytics", "webhook", []string{"list", "add", "delete"}, args, stdout)
	if err != nil {
		return err
	}
	name, args := leadingArg(args)
	fs := newFlagSet("analytics webhook "+sub, stderr)
	cf := addClientFlags(fs)
	var h notify.Webhook
	var rules, kinds stringsFlag
	if sub == "add" {
		fs.StringVar(&h.URL, "url", "", "the receiver's URL (https://...)")
		fs.Var(&rules, "rule", "only alerts and incidents of this rule (ID or name); repeat; default: every rule")
		fs.Var(&kinds, "kind", "alert or incident; repeat; default: both")
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if name == "" && sub != "list" {
		if name = fs.Arg(0); name == "" {
			return cli.UsageError("give the webhook's name")
		}
	}
	c, err := cf.client(client.Options{})
	if err != nil {
		return err
	}
	var out struct {
		Webhooks []notify.Webhook `json:"webhooks"`
	}
	switch sub {
	case "list":
		err = c.Webhooks(ctx, http.MethodGet, "", nil, &out)
	case "add":
		h.Secret = os.Getenv("WSEC_WEBHOOK_SECRET")
		if h.Secret == "" {
			return cli.UsageError("set WSEC_WEBHOOK_SECRET to the webhook's HMAC secret (at least 16 characters; not a flag, so it stays out of shell history)")
		}
		h.Rules, h.Kinds = rules, kinds
		body, _ := json.Marshal(h)
		err = c.Webhooks(ctx, http.MethodPut, "/"+url.PathEscape(name), body, &out)
	case "delete":
		err = c.Webhooks(ctx, http.MethodDelete, "/"+url.PathEscape(name), nil, &out)
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tURL\tRULES\tKINDS")
	for _, w := range out.Webhooks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.Name, w.URL, orAll(w.Rules), orAll(w.Kinds))
	}
	return tw.Flush()
}

func orAll(s []string) string {
	if len(s) == 0 {
		return "all"
	}
	return strings.Join(s, ",")
}
