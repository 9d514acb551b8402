package suggest

import "testing"

func TestNearest(t *testing.T) {
	cmds := []string{"demo", "serve", "import", "query", "dcr", "events", "workspace"}
	f := func(name, want string) {
		t.Helper()
		if got := Nearest(name, cmds); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", name, got, want)
		}
	}
	f("qeury", "query")
	f("serv", "serve")
	f("Workspaces", "workspace")
	f("IMPORT", "import")
	f("query", "")
	f("kubernetes", "")
	f("", "")
}
