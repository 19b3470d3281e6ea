package campaign

import (
	"hash/fnv"
	"io"
)

// DryRunResult is what an import of a lead list would do.
type DryRunResult struct {
	Rows       int // rows read
	Added      int // leads it would store
	InFile     int // numbers skipped for coming earlier in the file
	InCampaign int // numbers skipped for being in the campaign already
}

// dryRunBatch is how many numbers new in the file are looked up at once.
const dryRunBatch = 4096

// DryRun reads a lead list as an import would (ScanCSV) and counts what it
// would store, storing nothing. has says which of some numbers the
// campaign already has (nil: none, as for a store not made yet). Numbers
// are kept once through a set of their 64-bit hashes, 8 bytes a lead
// rather than the numbers themselves (two numbers sharing a hash, about 3
// chances in 10^8 for a million leads, would be counted as one).
func DryRun(r io.Reader, o ImportOptions, has func(phones []string) ([]bool, error), bad func(RowError), progress func(rows int)) (DryRunResult, error) {
	var res DryRunResult
	seen := map[uint64]struct{}{}
	var batch []string // numbers new in the file, to look up
	flush := func() error {
		found := make([]bool, len(batch))
		if has != nil && len(batch) > 0 {
			var err error
			if found, err = has(batch); err != nil {
				return err
			}
		}
		for _, in := range found {
			if in {
				res.InCampaign++
			} else {
				res.Added++
			}
		}
		batch = batch[:0]
		return nil
	}
	rows, err := ScanCSV(r, o, func(l Lead) error {
		h := fnv.New64a()
		h.Write([]byte(l.Phone))
		if _, dup := seen[h.Sum64()]; dup {
			res.InFile++
			return nil
		}
		seen[h.Sum64()] = struct{}{}
		if batch = append(batch, l.Phone); len(batch) == dryRunBatch {
			return flush()
		}
		return nil
	}, bad, progress)
	if err == nil {
		err = flush()
	}
	res.Rows = rows
	return res, err
}
