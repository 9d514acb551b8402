package filter_test

import (
	"errors"
	"fmt"

	"wsec/internal/event"
	"wsec/internal/filter"
)

func ExampleCompile() {
	rules, err := filter.Compile(filter.Policy{
		Set: filter.SetMinimal,
		Queries: []string{
			`Security!*[System[(EventID=4634 or EventID=4647)]]`,
			`Microsoft-Windows-AppLocker/EXE and DLL!*[System[(Level=2 or Level=3)]]`,
		},
	}, filter.Options{})
	if err != nil {
		panic(err)
	}
	var e event.Event
	e.System.Channel, e.System.EventID = "Security", 4634
	fmt.Println(rules.Keep(&e)) // not in Minimal, but queried
	e.System.EventID = 4616
	fmt.Println(rules.Keep(&e))
	fmt.Println(rules.Channels())
	// Output:
	// true
	// false
	// [Microsoft-Windows-AppLocker/EXE and DLL Microsoft-Windows-AppLocker/MSI and Script Security]
}

func ExampleCompileQuery_error() {
	_, err := filter.CompileQuery(`Security!*[EventData[contains(Data,'mimikatz')]]`, filter.Options{})
	fmt.Println(err)
	var xe *filter.Error
	if errors.As(err, &xe) {
		fmt.Println(xe.Column)
	}
	// Output:
	// xpath: column 22: function "contains" is not supported (supported: band, position, timediff)
	// 22
}
