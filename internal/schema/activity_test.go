package schema

import (
	"strconv"
	"strings"
	"testing"
)

// commonSet is the Common event set of shared/spec/event-sets.md.
var commonSet = []uint16{1, 299, 300, 324, 340, 403, 404, 410, 411, 412, 413, 431, 500, 501, 1100, 1102, 1107, 1108,
	4608, 4610, 4611, 4614, 4622, 4624, 4625, 4634, 4647, 4648, 4649, 4657, 4661, 4662, 4663, 4665, 4666, 4667, 4670,
	4672, 4673, 4674, 4675, 4688, 4689, 4697, 4700, 4702, 4704, 4705, 4716, 4717, 4718, 4719, 4720, 4722, 4723, 4724,
	4725, 4726, 4727, 4728, 4729, 4732, 4733, 4735, 4737, 4738, 4739, 4740, 4742, 4744, 4745, 4746, 4750, 4751, 4752,
	4754, 4755, 4756, 4757, 4760, 4761, 4762, 4764, 4767, 4768, 4771, 4774, 4778, 4779, 4781, 4793, 4797, 4798, 4799,
	4800, 4801, 4802, 4803, 4825, 4826, 4870, 4886, 4887, 4888, 4893, 4898, 4902, 4904, 4905, 4907, 4931, 4932, 4933,
	4946, 4948, 4956, 4985, 5024, 5033, 5059, 5136, 5137, 5140, 5145, 5632, 6144, 6145, 6272, 6273, 6278, 6416, 6423,
	6424, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8222, 26401, 30004}

// untitled are the Common IDs activity() documents as having no title.
var untitled = map[uint16]bool{1: true, 299: true, 300: true, 324: true, 340: true, 403: true, 404: true, 410: true,
	411: true, 412: true, 413: true, 431: true, 500: true, 1107: true, 26401: true, 30004: true}

func TestActivityCommonSet(t *testing.T) {
	if len(commonSet) != 143 {
		t.Fatalf("common set has %d IDs, spec says 143", len(commonSet))
	}
	for _, id := range commonSet {
		a := activity(id)
		if untitled[id] {
			if a != "" {
				t.Errorf("%d: got %q, documented as untitled", id, a)
			}
			continue
		}
		prefix := strconv.Itoa(int(id)) + " - "
		if !strings.HasPrefix(a, prefix) || len(a) <= len(prefix) {
			t.Errorf("%d: activity %q does not start with %q and a title", id, a, prefix)
		}
		if !strings.HasSuffix(a, ".") {
			t.Errorf("%d: title %q does not end like a Windows message sentence", id, a)
		}
	}
}

func TestActivityTitlesMatchTheirID(t *testing.T) {
	// Every title in the table starts with its own ID (a copy-paste guard
	// over the whole switch, not only the Common set).
	for id := 0; id <= 0xffff; id++ {
		a := activity(uint16(id))
		if a == "" {
			continue
		}
		if !strings.HasPrefix(a, strconv.Itoa(id)+" - ") {
			t.Errorf("activity(%d) = %q", id, a)
		}
	}
}

func TestActivityOracleTexts(t *testing.T) {
	// Sentinel's own Activity values from the corpus exports.
	for id, want := range map[uint16]string{
		4624: "4624 - An account was successfully logged on.",
		4625: "4625 - An account failed to log on.",
		4656: "4656 - A handle to an object was requested.",
		4662: "4662 - An operation was performed on an object.",
		4663: "4663 - An attempt was made to access an object.",
		4670: "4670 - Permissions on an object were changed.",
		4688: "4688 - A new process has been created.",
		4689: "4689 - A process has exited.",
		5156: "5156 - The Windows Filtering Platform has allowed a connection.",
		5158: "5158 - The Windows Filtering Platform has permitted a bind to a local port.",
		501:  "501 - The Desktop Window Manager is experiencing heavy resource contention.",
		1102: "1102 - The audit log was cleared.",
	} {
		if got := activity(id); got != want {
			t.Errorf("activity(%d) = %q, want %q", id, got, want)
		}
	}
}
