package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/store"
)

// openStore opens the store at path for writing; where says where path was
// set ("hotline.yaml:56", "--store"), for the messages. A mistyped
// store.path would otherwise open a new, empty store, and the records
// would look lost, so a store that does not exist is refused unless create
// is set (hotline serve's first start, a command given --create) and even
// then made only in a directory that does. A new store is announced with
// its absolute path, so that a wrong one is seen at once. howToCreate ends
// the message of a refused missing store.
func openStore(path, where string, opts store.Options, log zerolog.Logger, create bool, howToCreate string) (*store.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	setting := "store.path"
	if where != "" {
		setting += " (" + where + ")"
	}
	dir := filepath.Dir(abs)
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, invalidArg(fmt.Errorf("%s is %q: the directory %s does not exist; correct the path, or create the directory for a new store", setting, path, dir))
	case err != nil:
		return nil, fmt.Errorf("%s is %q: %w", setting, path, err)
	case !fi.IsDir():
		return nil, invalidArg(fmt.Errorf("%s is %q: %s is not a directory", setting, path, dir))
	}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		if !create {
			there := "there"
			if abs != path {
				there = abs
			}
			return nil, invalidArg(fmt.Errorf("%s is %q: no store file %s; correct the path, or %s", setting, path, there, howToCreate))
		}
		log.Warn().Str("component", "store").Str("path", abs).Str("set_by", where).
			Msg("no store at this path: creating a new, empty one (if records were expected, stop and correct store.path)")
	}
	return store.Open(path, opts)
}
