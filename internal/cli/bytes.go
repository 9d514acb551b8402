package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bytes is a flag value for a size in bytes: a whole number with an
// optional binary unit (KiB, MiB, GiB, TiB; KB, MB, GB, TB are read as the
// same powers of 1024), e.g. 1GiB, 512MiB, 0.
type Bytes int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"TB", 1 << 40}, {"B", 1}}

func (b *Bytes) Set(s string) error {
	u, mult := strings.ToUpper(strings.TrimSpace(s)), int64(1)
	for _, unit := range byteUnits {
		if num, ok := strings.CutSuffix(u, unit.suffix); ok {
			u, mult = strings.TrimSpace(num), unit.mult
			break
		}
	}
	n, err := strconv.ParseInt(u, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return fmt.Errorf("size %q: want a whole number of bytes with an optional unit, e.g. 1GiB or 512MiB", s)
	}
	*b = Bytes(n * mult)
	return nil
}

func (b *Bytes) String() string {
	n := int64(*b)
	for i := 3; i >= 0; i-- {
		if u := byteUnits[i]; n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + byteUnits[i].suffix[:1] + "iB"
		}
	}
	return strconv.FormatInt(n, 10)
}
