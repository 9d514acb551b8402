package filter

import (
	"strings"
	"testing"

	"github.com/antchfx/xpath"
)

// The oracle: github.com/antchfx/xpath, a general XPath 1.0 engine,
// evaluating the same queries over the events' XML (as evtxexport rendered
// it) must agree with the compiled matchers over event.Event. The queries
// stay inside what plain XPath 1.0 and the Windows subset mean alike: no
// band()/timediff(), no hex-as-number, no GUID case folding (where this
// package follows Windows' typed comparisons instead).

// onode is the XML tree the oracle navigates.
type onode struct {
	typ    xpath.NodeType
	name   string
	text   string // text nodes
	attrs  [][2]string
	parent *onode
	index  int // among parent.kids
	kids   []*onode
}

func oracleTree(x *xnode) *onode {
	root := &onode{typ: xpath.RootNode}
	root.kids = []*onode{buildONode(x, root, 0)}
	return root
}

func buildONode(x *xnode, parent *onode, index int) *onode {
	n := &onode{typ: xpath.ElementNode, name: x.XMLName.Local, parent: parent, index: index}
	for _, a := range x.Attrs {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		n.attrs = append(n.attrs, [2]string{a.Name.Local, a.Value})
	}
	if len(x.Kids) == 0 {
		if x.Text != "" {
			n.kids = []*onode{{typ: xpath.TextNode, text: x.Text, parent: n}}
		}
		return n
	}
	for i, k := range x.Kids {
		n.kids = append(n.kids, buildONode(k, n, i))
	}
	return n
}

func (n *onode) stringValue() string {
	if n.typ == xpath.TextNode {
		return n.text
	}
	var b strings.Builder
	for _, k := range n.kids {
		b.WriteString(k.stringValue())
	}
	return b.String()
}

// onav implements xpath.NodeNavigator.
type onav struct {
	root, cur *onode
	attr      int // -1: on the element itself
}

func (v *onav) NodeType() xpath.NodeType {
	if v.attr >= 0 {
		return xpath.AttributeNode
	}
	return v.cur.typ
}

func (v *onav) LocalName() string {
	if v.attr >= 0 {
		return v.cur.attrs[v.attr][0]
	}
	return v.cur.name
}

func (v *onav) Prefix() string { return "" }

func (v *onav) Value() string {
	if v.attr >= 0 {
		return v.cur.attrs[v.attr][1]
	}
	return v.cur.stringValue()
}

func (v *onav) Copy() xpath.NodeNavigator { c := *v; return &c }

func (v *onav) MoveToRoot() { v.cur, v.attr = v.root, -1 }

func (v *onav) MoveToParent() bool {
	if v.attr >= 0 {
		v.attr = -1
		return true
	}
	if v.cur.parent == nil {
		return false
	}
	v.cur = v.cur.parent
	return true
}

func (v *onav) MoveToNextAttribute() bool {
	if v.cur.typ != xpath.ElementNode || v.attr+1 >= len(v.cur.attrs) {
		return false
	}
	v.attr++
	return true
}

func (v *onav) MoveToChild() bool {
	if v.attr >= 0 || len(v.cur.kids) == 0 {
		return false
	}
	v.cur = v.cur.kids[0]
	return true
}

func (v *onav) MoveToFirst() bool {
	if v.attr >= 0 || v.cur.parent == nil {
		return false
	}
	v.cur = v.cur.parent.kids[0]
	return true
}

func (v *onav) MoveToNext() bool {
	if v.attr >= 0 || v.cur.parent == nil || v.cur.index+1 >= len(v.cur.parent.kids) {
		return false
	}
	v.cur = v.cur.parent.kids[v.cur.index+1]
	return true
}

func (v *onav) MoveToPrevious() bool {
	if v.attr >= 0 || v.cur.parent == nil || v.cur.index == 0 {
		return false
	}
	v.cur = v.cur.parent.kids[v.cur.index-1]
	return true
}

func (v *onav) MoveTo(other xpath.NodeNavigator) bool {
	o, ok := other.(*onav)
	if !ok || o.root != v.root {
		return false
	}
	*v = *o
	return true
}

// oracleQueries agree in plain XPath 1.0 and the Windows subset.
func oracleQueries() []string {
	return []string{
		`*[System[(EventID=4624 or EventID=4625)]]`,
		`*[System[(EventID=4624 or EventID=4625 or EventID=4672 or EventID=4688)]]`,
		`*[System[EventID>=4776 and EventID<=4799]]`,
		`*[System[4625<=EventID and 4672>=EventID]]`,
		`*[System[4776<EventID]]`,
		`*[System[EventID!=4624]]`,
		`*[System[EventID<4625]]`,
		`*[System[4625>EventID]]`,
		`*[System[EventID='4624']]`,
		`*[System[Level=0 and Task=12544]]`,
		`*[System[Version>=1]]`,
		`*[System[Level<=3 and Level>=0]]`,
		`*[System[Execution[1000>=@ThreadID]]]`,
		`*[EventData[3<=Data[@Name='LogonType']]]`,
		`*[System[Provider[@Name='Microsoft-Windows-Security-Auditing']]]`,
		`*[System[Provider[@Name='Microsoft-Windows-Eventlog']]]`,
		`*[System[Execution[@ProcessID=4]]]`,
		`*[System[Execution[@ThreadID>1000]]]`,
		`*[System[Computer='TestComputer']]`,
		`*[System[Computer='FS03.offsec.lan']]`,
		`*[System[EventRecordID>31900 and EventRecordID<32000]]`,
		`*[System[Keywords='0x8020000000000000']]`,
		`*[System[Security[@UserID='S-1-5-18']]]`,
		`*[System[Security[@UserID]]]`,
		`*[System/Security/@UserID]`,
		`*[System[Security[@UserID!='S-1-5-18']]]`,
		`*[System[Correlation[@ActivityID]]]`,
		`*[System[TimeCreated[@SystemTime='2019-02-06T14:18:35.946132800Z']]]`,
		`*[System/Level=0]`,
		`*[System/*[@Name='Microsoft-Windows-Security-Auditing']]`,
		`*[System/*[@ProcessID=676]]`,
		`*[System/Provider/@*='{54849625-5478-4994-A5BA-3E3B0328C30D}']`,
		`*[child::System[child::EventID=4624][child::Provider[attribute::*]]]`,
		`*[EventData[Data='hack1']]`,
		`*[EventData[Data[@Name='LogonType']=2]]`,
		`*[EventData[Data[@Name='LogonType']='5']]`,
		`*[EventData[Data[@Name='LogonType']>3]]`,
		`*[EventData[Data[@Name='IpAddress']!='-']]`,
		`*[EventData[Data[@Name='TargetUserName']='user' and Data[@Name='LogonType']=2]]`,
		`*[EventData[Data[@Name='CommandLine']]]`,
		`*[EventData/Data[@Name='CommandLine']/text()]`,
		`*[EventData/Data[1]='S-1-5-18']`,
		`*[EventData/Data[position()=9]='2']`, // antchfx panics comparing non-numeric text with a number
		`*[EventData/Data[position()>=9][1]='2']`,
		`*[EventData/Data[@Name='LogonType'][1]=2]`,
		`*[EventData/Data[@Name='SubjectUserSid']='S-1-5-18' and EventData/Data[@Name='TargetUserSid']!='S-1-5-18']`,
		`*[EventData/*[3]]`,
		`*[UserData[LogFileCleared]]`,
		`*[UserData/*/SubjectUserName='test']`,
		`*[UserData/LogFileCleared/SubjectUserName]`,
		`*[UserData/RuleAndFileData[PolicyName='EXE' and TargetProcessId=10388]]`,
		`*[UserData/RuleAndFileData/*[2]='EXE']`,
		`*[UserData/RuleAndFileData/FilePath='%OSDRIVE%\USERS\JDOE\DOWNLOADS\PSEXEC64.EXE']`,
		`*[UserData/RuleAndFileData[TargetProcessId>10000]/FilePath]`,
		`*[System[EventID=4688]] and *[EventData[Data[@Name='NewProcessName']='C:\Windows\System32\cmd.exe']]`,
		`*[System[EventID=4624]] or *[EventData[Data[@Name='SubjectUserName']='test']]`,
		`*[System[EventID=4624]][EventData[Data[@Name='LogonType']=5]]`,
		`Event[System/EventID=4624]`,
		`Event/System[EventID=4624]`,
		`*[*[Level=0]]`,
	}
}

func TestXPathAgainstOracle(t *testing.T) {
	var fx []fixture
	for _, name := range []string{"security-velocidex.xml.gz", "runas-mitre.xml", "applocker.xml"} {
		fx = append(fx, readFixtures(t, name)...)
	}
	navs := make([]*onav, len(fx))
	for i := range fx {
		root := oracleTree(fx[i].xml)
		navs[i] = &onav{root: root, cur: root, attr: -1}
	}
	for _, q := range oracleQueries() {
		ref, err := xpath.Compile("boolean(" + q + ")")
		if err != nil {
			t.Fatalf("oracle cannot compile %s: %v", q, err)
		}
		fn, _, xerr := compileXPath(q, 0)
		if xerr != nil {
			t.Errorf("%s: %v", q, xerr)
			continue
		}
		matched, disagree := 0, 0
		for i := range fx {
			navs[i].MoveToRoot()
			want, _ := ref.Evaluate(navs[i]).(bool)
			got := fn(&fx[i].ev, testNow.UnixNano(), node{kind: kRoot})
			if got {
				matched++
			}
			if got != want {
				disagree++
				if disagree <= 3 {
					t.Errorf("%s\n  on event %d (%d, record %d): got %v, oracle %v", q, i, fx[i].ev.System.EventID, fx[i].ev.System.EventRecordID, got, want)
				}
			}
		}
		t.Logf("%4d/%d  %s", matched, len(fx), q)
		if matched == 0 {
			t.Errorf("%s matches none of the %d events: it compares nothing", q, len(fx))
		}
		if matched == len(fx) {
			t.Errorf("%s matches all %d events: a query that always matches compares nothing", q, len(fx))
		}
	}
}

// BenchmarkOracleXPath is the generic-engine cost this package avoids: the
// same mixed query evaluated by antchfx/xpath over a ready DOM (rendering
// the XML or building the DOM would come on top).
func BenchmarkOracleXPath(b *testing.B) {
	var fx []fixture
	for _, name := range []string{"security-velocidex.xml.gz", "runas-mitre.xml", "applocker.xml"} {
		fx = append(fx, readFixtures(b, name)...)
	}
	navs := make([]*onav, len(fx))
	for i := range fx {
		root := oracleTree(fx[i].xml)
		navs[i] = &onav{root: root, cur: root, attr: -1}
	}
	ref := xpath.MustCompile(`boolean(*[System[(EventID=4624 or EventID=4625)]] and *[EventData[Data[@Name='LogonType']=10 or Data[@Name='LogonType']=3]])`)
	fn, _, _ := compileXPath(`*[System[(EventID=4624 or EventID=4625)]] and *[EventData[Data[@Name='LogonType']=10 or Data[@Name='LogonType']=3]]`, 0)
	b.Run("antchfx", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			n := navs[i%len(navs)]
			n.MoveToRoot()
			ref.Evaluate(n)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("compiled", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			fn(&fx[i%len(fx)].ev, 0, node{kind: kRoot})
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
