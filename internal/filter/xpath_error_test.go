package filter

import (
	"errors"
	"strings"
	"testing"
)

// TestXPathErrors: each query marks the expected error position with the
// column; the message must name the construct.
func TestXPathErrors(t *testing.T) {
	f := func(q string, col int, msg string) {
		t.Helper()
		_, err := CompileQuery(q, Options{})
		var xe *Error
		if !errors.As(err, &xe) {
			t.Errorf("%s: error %v, want *Error", q, err)
			return
		}
		if xe.Column != col || !strings.Contains(xe.Msg, msg) {
			t.Errorf("%s:\n  got  %v\n  want column %d: ...%s...", q, err, col, msg)
		}
		if !strings.HasPrefix(err.Error(), "xpath: column ") {
			t.Errorf("%s: error text %q lacks the xpath: column prefix", q, err)
		}
	}
	// Unsupported functions, with the supported list.
	f(`Security!*[EventData[contains(Data,'x')]]`, 22, `function "contains" is not supported (supported: band, position, timediff)`)
	f(`Security!*[System[starts-with(Computer,'DC')]]`, 19, `function "starts-with" is not supported`)
	f(`Security!*[System[not(EventID=4624)]]`, 19, `function "not" is not supported`)
	f(`Security!*[System[band(Keywords)]]`, 19, `band() takes 2 arguments, got 1`)
	f(`Security!*[System[band(Keywords, 1.5)]]`, 34, `band() needs integers`)
	f(`Security!*[System[band(Keywords, Level)]]`, 19, `band() of two paths is not supported`)
	f(`Security!*[System[band(Keywords,1)=1]]`, 19, `band() is a boolean test`)
	f(`Security!*[System[timediff(@SystemTime)]]`, 19, `timediff() returns a number`)
	f(`Security!*[System[TimeCreated[timediff(@SystemTime, @SystemTime) < 5]]]`, 31, `timediff() of two paths`)
	f(`Security!*[System[TimeCreated[timediff('yesterday') < 5]]]`, 40, `timediff() needs a time`)
	f(`Security!*[System[timediff(Level) < 5]]`, 28, `timediff() takes @SystemTime`)
	f(`Security!*[System[TimeCreated[timediff(Level) < 5]]]`, 40, `TimeCreated has no child elements`)
	// Axes and paths outside the subset.
	f(`Security!//EventID`, 10, `"//" (the descendant axis) is not supported`)
	f(`Security!*[System//EventID=1]`, 18, `"//" (the descendant axis) is not supported`)
	f(`Security!/Event`, 10, `absolute location paths are not supported`)
	f(`Security!*[descendant::EventID=4624]`, 12, `axis "descendant" is not supported (supported axes: child, attribute)`)
	f(`Security!*[System[../System]]`, 19, `".." (the parent axis) is not supported`)
	f(`Security!*[EventData[Data[.='x']]]`, 27, `"." (the self axis) is not supported`)
	f(`Security!*[System[node()]]`, 19, `node test node() is not supported`)
	f(`Security!*[System[ns:EventID=1]]`, 19, `namespace prefix "ns" is not supported`)
	f(`Security!*[System[$id]]`, 19, `variables ($name) are not supported`)
	// Operators outside the subset.
	f(`Security!*[System[EventID=4624 | EventID=4625]]`, 32, `union operator "|" is not supported`)
	f(`Security!*[System[EventID+1=4625]]`, 26, `arithmetic operator "+" is not supported`)
	f(`Security!*[System[EventID div 2=1]]`, 27, `arithmetic operator "div" is not supported`)
	f(`Security!*[System[EventID=4624 OR EventID=4625]]`, 32, `operator "OR" must be lowercase: "or"`)
	f(`Security!*[System[EventID=4624 AND Level=0]]`, 32, `operator "AND" must be lowercase`)
	f(`Security!*[System[1<Level<3]]`, 26, `chained comparison "<" is not supported`)
	f(`Security!*[System[EventID=Level]]`, 26, `comparing two node-sets`)
	// Names checked against the event schema.
	f(`Security!*[System[EventId=4624]]`, 19, `element "EventId" does not exist here: did you mean "EventID"?`)
	f(`Security!*[System[Foo=1]]`, 19, `element "Foo" does not exist here (possible: Provider, EventID,`)
	f(`Security!*[Sytem[EventID=1]]`, 12, `element "Sytem" does not exist here (possible: System, EventData, UserData)`)
	f(`Security!*[System[Provider[@name='x']]]`, 28, `attribute @name does not exist here: did you mean @Name?`)
	f(`Security!*[System[Execution[@ProcessorID=1]]]`, 29, `attribute @ProcessorID does not exist here (Execution has @ProcessID, @ThreadID)`)
	f(`Security!*[System[EventID/Value=1]]`, 27, `EventID has no child elements`)
	f(`Security!*[System[EventID/@x]]`, 27, `attribute @x does not exist here (EventID has @Qualifiers)`)
	f(`Security!*[System[Level/@x]]`, 25, `attribute @x does not exist here: Level has no attributes`)
	f(`Security!*[UserData/*[@xmlns='x']]`, 23, `attributes of UserData elements are not kept`)
	f(`Security!*[System='x']`, 12, `comparing System with a value is not supported`)
	f(`Security!*[*='x']`, 12, `comparing System with a value is not supported`)
	f(`Security!*[System/*/Foo]`, 21, `none of the elements * selects has child elements`)
	f(`Security!*[System/*/text()/x]`, 28, `text() has no children`)
	f(`Security!*[System[Provider/@Name/x]]`, 34, `an attribute has no children`)
	f(`Security!*[System[Provider/text()]]`, 28, `Provider has no text`)
	f(`Security!System[EventID=4624]`, 10, `the query must select events: a query starts with * or Event, not "System"`)
	f(`Security!EventID=4624`, 10, `the query must select events`)
	f(`Security!'x'`, 10, `the query must select events`)
	f(`System![System[(Level = 1 or Level = 2 or Level = 3)]]`, 8, `a query starts with * or Event before its predicate: write "*[" here`)
	// Channel part.
	f(`*[System[EventID=4624]]`, 1, `missing channel`)
	f(`!*`, 1, `missing channel before "!"`)
	// Lexical and syntax errors.
	f(`Security!*[System[Computer='DC01]]`, 28, `unterminated string literal`)
	f(`Security!*[System[EventID=4624]`, 32, `expected "]", found end of query`)
	f(`Security!*[System[(EventID=4624]]`, 32, `expected ")", found "]"`)
	f(`Security!*[System[EventID=]]`, 27, `unexpected "]"`)
	f(`Security!*[System[EventID=4624 or]]`, 34, `unexpected "]"`)
	f(`Security!*[System[EventID=12ab]]`, 27, `malformed number "12a"`)
	f(`Security!*[System[EventID=4624]] #`, 34, `unexpected character '#'`)
	f(`Security!*[System[EventID &gt;= 4720]]`, 27, `XML entity &gt; in a plain query (copied from a QueryList?): write >`)
	f(`Security!*[System[Computer=€]]`, 28, `unexpected character`)
	f(`Security!*[System[Level=1]][System[Level=2]](Level)`, 45, `unexpected "("`)
	f(`Security!(*)[System]`, 13, `a predicate on a parenthesized expression`)
	// Columns count characters, not bytes, in channels with non-ASCII names.
	f(`Sécurité!*[Sytem]`, 12, `element "Sytem" does not exist here`)
	// Limits.
	f("Security!"+strings.Repeat("(", 40)+"*"+strings.Repeat(")", 40), 42, "nests deeper than 32 levels")
	f("Security!*["+strings.Repeat("*[", 40)+"]", 75, "nests deeper than 32 levels")
}

func TestXPathErrorLimits(t *testing.T) {
	long := "Security!*[System[" + strings.Repeat("EventID=1 or ", 6000) + "EventID=2]]"
	_, err := CompileQuery(long, Options{})
	if err == nil || !strings.Contains(err.Error(), "over the 65536-byte limit") {
		t.Errorf("long query: %v", err)
	}
	_, err = CompileQuery(long, Options{MaxQueryBytes: -1})
	if err == nil || !strings.Contains(err.Error(), "more than 16384 tokens") {
		t.Errorf("long query without byte limit: %v", err)
	}
	wide := "Security!*[System[" + strings.Repeat("EventID=1 or ", 2000) + "EventID=2]]"
	_, err = CompileQuery(wide, Options{})
	if err == nil || !strings.Contains(err.Error(), "more than 4096 expressions") {
		t.Errorf("wide query: %v", err)
	}
	many := "Security!*[EventData/Data" + strings.Repeat("[1]", 9) + "]"
	_, err = CompileQuery(many, Options{})
	if err == nil || !strings.Contains(err.Error(), "more than 8 predicates on one step") {
		t.Errorf("many predicates: %v", err)
	}
}
