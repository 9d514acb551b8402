package eventxml

import (
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"testing"
	"unicode/utf16"

	"wsec/internal/corpustest"
)

// securityXML returns a realistic stream of rendered Security events: the
// two largest real Security logs in the corpus (DeepBlueCLI's SMB password
// guessing, 3,561 events of 4625, and Velocidex's Security.evtx, 739 mixed
// events) as evtxexport renders them. Without the corpus or evtxexport it
// falls back to the Security fixtures repeated, and says so.
func securityXML(b *testing.B) ([]byte, int) {
	b.Helper()
	var doc []byte
	if root := corpustest.Root(); root != "" {
		if _, err := exec.LookPath("evtxexport"); err == nil {
			for _, f := range []string{
				"evtx/hayabusa-sample-evtx/DeepBlueCLI/smb-password-guessing-security.evtx",
				"evtx/velocidex-evtx/testdata/Security.evtx",
			} {
				out, err := exec.Command("evtxexport", "-f", "xml", filepath.Join(root, f)).Output()
				if err == nil {
					doc = append(doc, stripEvtxexportHeader(out)...)
				}
			}
		}
	}
	if len(doc) == 0 {
		b.Log("corpus or evtxexport absent: benchmarking the Security fixtures repeated")
		for range 200 {
			for _, f := range []string{"security_4624_pth", "security_4625", "security_4688"} {
				doc = append(doc, readFixture(b, "evtxexport/"+f+".xml")...)
			}
		}
	}
	n := bytes.Count(doc, []byte("<Event xmlns="))
	return doc, n
}

func BenchmarkReader(b *testing.B) {
	doc, n := securityXML(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	benchReader(b, doc, n)
}

// benchReader reads in, which holds n events, with a Reader per iteration.
func benchReader(b *testing.B, in []byte, n int) {
	b.Helper()
	for b.Loop() {
		r := NewReader(bytes.NewReader(in), Options{})
		got := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("read %d events, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkStdXML is the same work done with encoding/xml (stdParse), the
// alternative the package doc weighs.
func BenchmarkStdXML(b *testing.B) {
	doc, n := securityXML(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for b.Loop() {
		evs, err := stdParse(doc)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) != n {
			b.Fatalf("read %d events, want %d", len(evs), n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReaderUTF16 adds the UTF-16LE transcoding of PowerShell output.
func BenchmarkReaderUTF16(b *testing.B) {
	doc, n := securityXML(b)
	u := utf16.Encode([]rune(string(doc)))
	in := []byte{0xFF, 0xFE}
	for _, c := range u {
		in = append(in, byte(c), byte(c>>8))
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	benchReader(b, in, n)
}

// BenchmarkParseEvent is one wevtutil /f:RenderedXml 4624 with its message.
func BenchmarkParseEvent(b *testing.B) {
	doc := readFixture(b, "handwritten/rendered_4624.xml")
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := ParseEvent(doc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
