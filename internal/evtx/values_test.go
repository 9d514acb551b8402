package evtx

import (
	"encoding/binary"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func TestAppendValue(t *testing.T) {
	le16 := func(vs ...uint16) []byte {
		b := make([]byte, 2*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint16(b[2*i:], v)
		}
		return b
	}
	f := func(name string, typ uint8, in []byte, want string) {
		t.Helper()
		if got := string(appendValue(nil, typ, in)); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// The Security-Auditing provider GUID as stored (Data1-3 little-endian).
	f("guid", typeGUID, []byte{0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d},
		"{54849625-5478-4994-A5BA-3E3B0328C30D}")
	f("sid local system", typeSID, []byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}, "S-1-5-18")
	f("sid domain user", typeSID, []byte{1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 1, 0, 0, 0, 2, 0, 0, 0, 0xf4, 1, 0, 0},
		"S-1-5-21-2018915346-1-2-500")
	f("sid incomplete", typeSID, []byte{1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0}, "S-1-5-32")
	f("sid big authority", typeSID, []byte{1, 0, 1, 2, 3, 4, 5, 6}, "S-1-0x010203040506")
	f("hex64", typeHex64, []byte{0xe7, 3, 0, 0, 0, 0, 0, 0}, "0x3e7")
	f("hex32", typeHex32, []byte{0x6d, 0, 0, 0xc0}, "0xc000006d")
	f("size_t 8", typeSizeT, []byte{0x58, 0x08, 0, 0, 0, 0, 0, 0}, "0x858")
	f("size_t 4", typeSizeT, []byte{0xec, 0x7e, 0, 0}, "0x7eec")
	f("uint8", typeUint8, []byte{200}, "200")
	f("int8", typeInt8, []byte{0xff}, "-1")
	f("int16", typeInt16, []byte{0x00, 0x80}, "-32768")
	f("uint16", typeUint16, []byte{0x52, 0x12}, "4690")
	f("int32", typeInt32, []byte{0xfe, 0xff, 0xff, 0xff}, "-2")
	f("uint32", typeUint32, []byte{0xff, 0xff, 0xff, 0xff}, "4294967295")
	f("int64", typeInt64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "-1")
	f("uint64", typeUint64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "18446744073709551615")
	f("short uint32", typeUint32, []byte{7}, "7")
	f("bool 1", typeBool, []byte{1, 0, 0, 0}, "true")
	f("bool 0", typeBool, []byte{0, 0, 0, 0}, "false")
	f("bool irregular", typeBool, []byte{0, 2, 0, 0}, "true")
	f("binary", typeBinary, []byte{0x61, 0x3c, 0x00, 0xff}, "613C00FF")
	f("real32", typeReal32, []byte{0x77, 0xf3, 0x47, 0x45}, "3199.2166")
	f("utf16 NUL-terminated", typeString, le16('a', 'b', 0, 'c'), "ab")
	f("ansi 1252", typeAnsi, []byte{'c', 'a', 'f', 0xe9, ' ', 0x80, 0}, "café €")
	f("null", typeNull, nil, "")
	// FILETIME of 2016-07-08T18:12:51.6816408Z, checked with time.
	ft := uint64(time.Date(2016, 7, 8, 18, 12, 51, 681640800, time.UTC).Unix()+filetimeEpoch)*1e7 + 6816408
	f("filetime", typeFiletime, binary.LittleEndian.AppendUint64(nil, ft), "2016-07-08T18:12:51.6816408Z")
	f("systemtime", typeSystime, le16(2019, 3, 6, 9, 7, 23, 5, 42), "2019-03-09T07:23:05.042Z")
	if got := filetimeToTime(ft); !got.Equal(time.Date(2016, 7, 8, 18, 12, 51, 681640800, time.UTC)) {
		t.Errorf("filetimeToTime: %v", got)
	}
}

func TestArrayItems(t *testing.T) {
	f := func(name string, typ uint8, in []byte, want ...string) {
		t.Helper()
		var got []string
		for _, s := range arrayItems(typ, in, nil) {
			got = append(got, string(appendValue(nil, typ, in[s[0]:s[1]])))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	u := func(s string) []byte {
		var b []byte
		for _, r := range utf16.Encode([]rune(s)) {
			b = binary.LittleEndian.AppendUint16(b, r)
		}
		return b
	}
	f("strings", typeString, u("one\x00two\x00\x00four\x00"), "one", "two", "", "four")
	f("unterminated", typeString, u("a\x00b"), "a", "b")
	f("uint16", typeUint16, []byte{1, 0, 2, 0, 3}, "1", "2")
	f("sids", typeSID, []byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 5, 19, 0, 0, 0}, "S-1-5-18", "S-1-5-19")
	f("ansi", typeAnsi, []byte("x\x00yz"), "x", "yz")
}

// TestAppendUTF16 holds the fast path to the standard library's decoder
// on random text (ASCII-heavy, with BMP, astral and broken surrogates).
func TestAppendUTF16(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	pick := []uint16{'a', 'Z', '0', ' ', 0x7f, 0x80, 0xe9, 0x20ac, 0xd83d, 0xde00, 0xdc00, 0xd800, 0xfffd, 0x4e2d}
	for i := 0; i < 20000; i++ {
		n := rng.Intn(40)
		units := make([]uint16, n)
		for j := range units {
			if rng.Intn(4) > 0 {
				units[j] = uint16('a' + rng.Intn(26))
			} else {
				units[j] = pick[rng.Intn(len(pick))]
			}
		}
		if rng.Intn(5) == 0 && n > 0 {
			units[rng.Intn(n)] = 0
		}
		b := make([]byte, 2*n)
		for j, u := range units {
			binary.LittleEndian.PutUint16(b[2*j:], u)
		}
		if rng.Intn(7) == 0 {
			b = append(b, 'x') // odd trailing byte: ignored
		}
		want := units
		for j, u := range units {
			if u == 0 {
				want = units[:j]
				break
			}
		}
		if got, w := string(appendUTF16(nil, b)), string(utf16.Decode(want)); got != w {
			t.Fatalf("units %04x: %q, want %q", units, got, w)
		}
	}
}

func TestParseUint(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"4624", 4624, true},
		{"0x8020000000000000", 0x8020000000000000, true},
		{"0XfF", 255, true},
		{"18446744073709551615", math.MaxUint64, true},
		{"0xffffffffffffffff", math.MaxUint64, true},
		// Too large for 64 bits: saturates instead of wrapping to 0 or 1.
		{"18446744073709551616", math.MaxUint64, true},
		{"0x10000000000000001", math.MaxUint64, true},
		{"18446744073709551616x", 0, false},
		{"", 0, false},
		{"0x", 0, false},
		{"-1", 0, false},
		{"12a", 0, false},
	} {
		got, ok := parseUint([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("parseUint(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
