package agent

import "testing"

// FuzzParseConfig: no configuration text makes the loader panic, and an
// accepted configuration passes the checks Run makes again.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(validConfig))
	f.Add([]byte(`{"dataDir":"d","sources":[{"kind":"synthetic"}],"destinations":[{"name":"a","url":"http://h","workspace":"7d1c0a52-6a4b-4f4e-9d0e-0a1b2c3d4e5f","key":"a2V5"}]}`))
	f.Add([]byte(`{"rulesInterval":"-1s"}`))
	f.Add([]byte(`{"sources":[{"kind":"evtx","path":"-","follow":true}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			return
		}
		if err := c.check(); err != nil {
			t.Fatalf("accepted config fails its own check: %v", err)
		}
	})
}
