package russian

import (
	"github.com/hotline-cc/hotline/internal/snowball/snowballword"
)

func preprocess(word *snowballword.SnowballWord) {

	r1start, r2start, rvstart := findRegions(word)
	word.R1start = r1start
	word.R2start = r2start
	word.RVstart = rvstart

}
