package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/hotline-cc/hotline/store"
)

// Backuper writes a consistent copy of the store; *store.DB has it.
type Backuper interface {
	Backup(w io.Writer, start func(size int64)) (int64, error)
}

var _ Backuper = (*store.DB)(nil)

// backup streams a consistent copy of the store file while the daemon runs
// (GET /api/v1/store/backup). A copy that fails half way ends the
// connection short of its Content-Length, so no client takes it for whole.
func (s *Server) backup(w http.ResponseWriter, _ *http.Request) {
	b, ok := s.rec.(Backuper)
	if !ok {
		s.fail(w, fmt.Errorf("store backup: %w: this daemon keeps no store", store.ErrNotFound))
		return
	}
	started := false
	n, err := b.Backup(w, func(size int64) {
		started = true
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.Header().Set("Content-Disposition", `attachment; filename="hotline.db"`)
		w.WriteHeader(http.StatusOK)
	})
	switch {
	case err != nil && !started:
		s.fail(w, err)
	case err != nil:
		s.log.Error().Err(err).Int64("written", n).Msg("store backup failed while sending")
		panic(http.ErrAbortHandler)
	default:
		s.log.Info().Int64("bytes", n).Msg("store backup sent")
	}
}
