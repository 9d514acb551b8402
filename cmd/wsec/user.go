package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"wsec/internal/access"
	"wsec/internal/auth"
	"wsec/internal/cli"
)

// The user and token commands change the data directory directly, as
// `wsec workspace` does: whoever may write it is the server's operator. A
// running server sees the change within access.ReloadInterval.

// cliActor is the audit log's "who" for changes made with these commands.
const cliActor = "cli"

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec", "user", []string{"add", "list", "delete", "role", "password"}, args, stdout)
	if err != nil {
		return err
	}
	fs := newFlagSet("user "+sub, stderr)
	data := fs.String("data", envDefault("WSEC_DATA", "wsec-data"), "data directory of the workspace server")
	name := fs.String("name", "", "user name")
	var ws, role *string
	fromStdin := new(bool)
	if sub == "add" || sub == "role" {
		ws = fs.String("workspace", envDefault("WSEC_WORKSPACE", ""), "workspace ID the role is for")
		role = fs.String("role", "", "reader, responder or admin ('none' removes the user from the workspace with 'role')")
	}
	if sub == "add" || sub == "password" {
		fromStdin = fs.Bool("password-stdin", false, "read the password from the first line of standard input (default: generate one and print it once)")
	}
	asJSON := fs.Bool("json", false, "print JSON")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if sub != "list" && *name == "" {
		return cli.UsageError("--name is required")
	}
	var roles map[string]access.Role
	if ws != nil && (*ws != "" || *role != "") {
		if *ws == "" || *role == "" {
			return cli.UsageError("give both --workspace and --role")
		}
		r := access.Role("")
		if *role != "none" || sub != "role" {
			if r, err = access.ParseRole(*role); err != nil {
				return cli.UsageError(err.Error())
			}
		}
		roles = map[string]access.Role{*ws: r}
	} else if sub == "role" {
		return cli.UsageError("--workspace and --role are required")
	}
	st, audit, err := openAccess(*data, roles)
	if err != nil {
		return err
	}
	var users []access.User
	switch sub {
	case "add", "password":
		password, generated, err := passwordFrom(*fromStdin, os.Stdin)
		if err != nil {
			return err
		}
		if sub == "add" {
			u, err := st.AddUser(*name, password, roles)
			if err != nil {
				return err
			}
			users = append(users, u)
		} else if err := st.SetPassword(*name, password); err != nil {
			return err
		}
		if err := recordCLI(audit, "user."+sub, *name, roles); err != nil {
			return err
		}
		if generated {
			fmt.Fprintf(stderr, "password of %s (shown once; change it with 'wsec user password'): %s\n", *name, password)
		}
		if sub == "password" {
			return nil
		}
	case "delete":
		u, ok := st.User(*name)
		if !ok {
			return fmt.Errorf("delete user %q: %w", *name, access.ErrNoUser)
		}
		if err := st.DeleteUser(*name); err != nil {
			return err
		}
		return recordCLI(audit, "user.delete", *name, u.Roles)
	case "role":
		u, err := st.SetRoles(*name, roles)
		if err != nil {
			return err
		}
		if err := recordCLI(audit, "user.roles", *name, roles); err != nil {
			return err
		}
		users = append(users, u)
	case "list":
		users = st.Users()
	}
	if *asJSON {
		type view struct {
			Name    string                 `json:"name"`
			Roles   map[string]access.Role `json:"roles"`
			Created time.Time              `json:"created"`
		}
		out := []view{}
		for _, u := range users {
			out = append(out, view{u.Name, u.Roles, u.Created})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLES\tCREATED")
	for _, u := range users {
		var rs []string
		for ws, r := range u.Roles {
			rs = append(rs, ws+"="+string(r))
		}
		slices.Sort(rs)
		fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, strings.Join(rs, ","), u.Created.Format(time.RFC3339))
	}
	return tw.Flush()
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec", "token", []string{"create", "list", "revoke"}, args, stdout)
	if err != nil {
		return err
	}
	fs := newFlagSet("token "+sub, stderr)
	data := fs.String("data", envDefault("WSEC_DATA", "wsec-data"), "data directory of the workspace server")
	var user, name, ws, role, id *string
	var ttl *time.Duration
	switch sub {
	case "create":
		user = fs.String("user", "", "user the token acts as")
		name = fs.String("name", "cli", "token name (what it is for)")
		ws = fs.String("workspace", envDefault("WSEC_WORKSPACE", ""), "workspace ID")
		role = fs.String("role", string(access.Reader), "reader, responder or admin (at most the user's role)")
		ttl = fs.Duration("expires-in", 0, "lifetime, e.g. 720h (0: never expires)")
	case "revoke":
		id = fs.String("id", "", "token ID (see 'wsec token list')")
	}
	asJSON := fs.Bool("json", false, "print JSON")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	var roles map[string]access.Role
	switch {
	case sub == "create" && (*user == "" || *ws == ""):
		return cli.UsageError("--user and --workspace are required")
	case sub == "create":
		r, err := access.ParseRole(*role)
		if err != nil {
			return cli.UsageError(err.Error())
		}
		roles = map[string]access.Role{*ws: r}
	case sub == "revoke" && *id == "":
		return cli.UsageError("--id is required")
	}
	st, audit, err := openAccess(*data, roles)
	if err != nil {
		return err
	}
	var tokens []access.TokenView
	switch sub {
	case "create":
		var expires time.Time
		if *ttl > 0 {
			expires = time.Now().Add(*ttl)
		}
		secret, t, err := st.CreateToken(*user, *name, *ws, roles[*ws], expires)
		if err != nil {
			return err
		}
		if err := audit.Record(access.AuditEntry{Time: time.Now().UTC(), User: cliActor, Via: cliActor, Workspace: t.Workspace,
			Action: "token.create", Target: t.ID}); err != nil {
			return err
		}
		if !*asJSON {
			_, err := fmt.Fprintln(stdout, secret)
			fmt.Fprintf(stderr, "token %s: %s of %s in workspace %s (shown once; use it with --token or WSEC_TOKEN)\n", t.ID, t.Role, t.User, t.Workspace)
			return err
		}
		tv := access.TokenView{ID: t.ID, Name: t.Name, User: t.User, Workspace: t.Workspace, Role: t.Role, Created: t.Created, Expires: t.Expires, Token: secret}
		tokens = append(tokens, tv)
	case "revoke":
		t, err := st.RevokeToken(*id)
		if err != nil {
			return err
		}
		return audit.Record(access.AuditEntry{Time: time.Now().UTC(), User: cliActor, Via: cliActor, Workspace: t.Workspace,
			Action: "token.revoke", Target: t.ID})
	case "list":
		for _, t := range st.Tokens() {
			tokens = append(tokens, access.TokenView{ID: t.ID, Name: t.Name, User: t.User, Workspace: t.Workspace, Role: t.Role, Created: t.Created, Expires: t.Expires})
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if sub == "create" {
			return enc.Encode(tokens[0])
		}
		return enc.Encode(append([]access.TokenView{}, tokens...))
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tUSER\tWORKSPACE\tROLE\tEXPIRES")
	for _, t := range tokens {
		exp := "never"
		if !t.Expires.IsZero() {
			exp = t.Expires.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.User, t.Workspace, t.Role, exp)
	}
	return tw.Flush()
}

// openAccess opens the users and audit log of data, after checking that
// every workspace named in roles exists there.
func openAccess(data string, roles map[string]access.Role) (*access.Store, *access.Audit, error) {
	if len(roles) > 0 {
		keys, err := auth.Open(data, auth.Options{})
		if err != nil {
			return nil, nil, err
		}
		for ws := range roles {
			if _, ok := keys.Lookup(ws); !ok {
				return nil, nil, fmt.Errorf("workspace %q does not exist in %s; see 'wsec workspace list'", ws, data)
			}
		}
	}
	st, err := access.Open(data, access.Options{})
	if err != nil {
		return nil, nil, err
	}
	return st, access.OpenAudit(data), nil
}

// recordCLI records a user change once per workspace it touches.
func recordCLI(a *access.Audit, action, target string, roles map[string]access.Role) error {
	var spaces []string
	for ws := range roles {
		id, _ := auth.CanonicalID(ws)
		spaces = append(spaces, id)
	}
	return a.RecordAll(access.AuditEntry{Time: time.Now().UTC(), User: cliActor, Via: cliActor, Action: action, Target: target}, spaces)
}

// passwordFrom reads a password from the first line of r, or generates one
// (generated true) when fromStdin is false.
func passwordFrom(fromStdin bool, r io.Reader) (password string, generated bool, err error) {
	if !fromStdin {
		p, err := access.NewPassword()
		return p, true, err
	}
	line, err := bufio.NewReader(io.LimitReader(r, access.MaxPasswordBytes+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

// adminUser is the first admin, created by `wsec workspace create` (when
// the data directory has no user) and `wsec demo`.
const adminUser = "admin"

// grantAdmin makes adminUser an admin of workspace ws, creating the user
// with a fresh one-time password when missing; password is "" when the
// user existed.
func grantAdmin(st *access.Store, audit *access.Audit, ws string) (password string, err error) {
	roles := map[string]access.Role{ws: access.Admin}
	if _, ok := st.User(adminUser); ok {
		if _, err := st.SetRoles(adminUser, roles); err != nil {
			return "", err
		}
		return "", recordCLI(audit, "user.roles", adminUser, roles)
	}
	if password, err = access.NewPassword(); err != nil {
		return "", err
	}
	if _, err := st.AddUser(adminUser, password, roles); err != nil {
		return "", err
	}
	return password, recordCLI(audit, "user.add", adminUser, roles)
}
