package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/rs/zerolog"
	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// CurrentSchema is the layout this build reads and writes. Raise it only
// when the bucket layout or key encoding changes; new JSON fields need no
// bump (old records decode with the field zero).
const CurrentSchema = 1

// DefaultLockTimeout is how long Open waits for another process to release
// the file when Options.LockTimeout is zero.
const DefaultLockTimeout = time.Second

// Bucket names. doc.go describes each.
var (
	bucketMeta      = []byte("meta")
	bucketCalls     = []byte("calls")
	bucketCallIndex = []byte("calls_by_entered")
	bucketAgents    = []byte("agents")
	bucketCallbacks = []byte("callbacks")
	bucketActive    = []byte("active")
	// agent_changes came after schema 1 was released: a read-write open
	// creates it (as every missing bucket); reads treat its absence as empty.
	bucketAgentChanges = []byte("agent_changes")

	keySchema = []byte("schema")

	// allBuckets are created by a fresh store and checked at every open.
	// Outbound campaigns' leads (see leads.go), added like agent_changes.
	bucketLeads      = []byte("leads")
	bucketLeadPhones = []byte("leads_by_phone")
	bucketLeadSeq    = []byte("lead_seq")
	// lead_imports: campaign → its import under way (see leadimport.go).
	// lead_counts (leadcounts.go) is not among allBuckets: its absence
	// tells an open that the leads must be counted.
	bucketLeadImports = []byte("lead_imports")
	bucketDNC         = []byte("dnc") // do-not-call lists: list NUL E.164
	bucketUsers       = []byte("users")
	bucketTokens      = []byte("tokens")
	// Contacts (see contacts.go): sealed records, the keyed-hash number
	// index, each contact's calls newest first, and the personal-data audit log.
	bucketContacts      = []byte("contacts")
	bucketContactPhones = []byte("contacts_by_phone")
	bucketContactCalls  = []byte("contact_calls")
	bucketAudit         = []byte("audit")

	// firstBuckets are those every store has had since schema 1.
	firstBuckets = [][]byte{bucketMeta, bucketCalls, bucketCallIndex, bucketAgents, bucketCallbacks, bucketActive}
	allBuckets   = [][]byte{bucketMeta, bucketCalls, bucketCallIndex, bucketAgents, bucketCallbacks, bucketActive, bucketAgentChanges,
		bucketLeads, bucketLeadPhones, bucketLeadSeq, bucketLeadImports, bucketDNC, bucketUsers, bucketTokens,
		bucketContacts, bucketContactPhones, bucketContactCalls, bucketAudit, bucketAccessLog,
		bucketCampaigns, bucketCampaignHours, bucketCampaignLearned, bucketCallNumbers, bucketTasks, bucketRecordings}
)

// migration upgrades a store from one schema version to the next inside the
// open's write transaction, so a failed migration leaves the file as it was.
type migration func(tx *bbolt.Tx) error

// schemaSpec is what a build knows about schema versions; tests swap it to
// exercise migrations the real history does not have yet.
type schemaSpec struct {
	current int
	oldest  int               // the oldest version steps can bring to current
	steps   map[int]migration // steps[v] upgrades v to v+1
}

var defaultSchema = schemaSpec{current: CurrentSchema, oldest: 1, steps: map[int]migration{}}

// Options tune Open. The zero value is a durable read-write store.
type Options struct {
	// LockTimeout bounds the wait for a file locked by another process;
	// zero means DefaultLockTimeout, a negative value waits forever.
	LockTimeout time.Duration

	// ReadOnly opens with a shared lock: several readers may share the file
	// but not with a writer. A read-only open neither creates nor migrates.
	ReadOnly bool

	// Verify also reads every value through bbolt at open. The structure
	// check every open does already reads every page once.
	Verify bool

	// NoSync skips fsync on commit. For simulations and tests only: a
	// crash can lose recent commits or damage the file.
	NoSync bool

	Logger zerolog.Logger
}

// DB is an open store. Its methods are safe for concurrent use.
type DB struct {
	bolt   *bbolt.DB
	path   string
	schema int
	log    zerolog.Logger
	// sealing, once set by SealCalls, seals the personal fields of call
	// records written from then on and opens them on reads.
	sealing atomic.Pointer[callSeal]
	// repeatWindow, set by TrackRepeats, is how far back a call's save
	// marks the contact's earlier calls on its topic repeated (ns; 0: off).
	repeatWindow atomic.Int64
	// onTasks, set by OnTasks, is told of each commit that changed a
	// callback task.
	onTasks atomic.Pointer[func([]contact.Task)]
	// importing holds the campaigns with a lead import under way in this
	// process (campaign → struct{}): a pending import of one not here was
	// left by a crash.
	importing sync.Map
}

// Open opens the store at path, creating the file and its directory when
// they do not exist (unless ReadOnly), and checks or migrates its schema.
func Open(path string, opts Options) (*DB, error) {
	return openWith(path, opts, defaultSchema)
}

func openWith(path string, opts Options, spec schemaSpec) (*DB, error) {
	log := opts.Logger.With().Str("component", "store").Str("path", path).Logger()
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("store: %s is a directory, not a store file; name the file in it (store.path), e.g. hotline.db", path)
	} else if err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		// bbolt would make a new store in it, and the records it held
		// would be gone without a word.
		return nil, fmt.Errorf("store: %s: %w: the file is empty (0 bytes), a store cut to nothing; restore a backup, or remove the file to start a new, empty store", path, ErrCorrupt)
	}
	if err := checkLength(path); err != nil {
		return nil, err
	}
	bdb, err := openBolt(path, opts)
	if err != nil {
		return nil, err
	}
	if err := checkOpened(path); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	db := &DB{bolt: bdb, path: path, log: log}
	if err := db.prepare(opts, spec); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	log.Info().Int("schema", db.schema).Bool("read_only", opts.ReadOnly).Msg("store opened")
	return db, nil
}

// openBolt opens the bbolt file and turns every way it can fail, panics and
// memory faults on a damaged file included, into an error.
func openBolt(path string, opts Options) (bdb *bbolt.DB, err error) {
	timeout := opts.LockTimeout
	switch {
	case timeout == 0:
		timeout = DefaultLockTimeout
	case timeout < 0:
		timeout = 0 // bbolt waits forever on zero
	}
	var file *os.File
	var fileErr error
	bopts := &bbolt.Options{
		Timeout:  timeout,
		ReadOnly: opts.ReadOnly,
		NoSync:   opts.NoSync,
		// Keeping the file lets a panic below release its lock.
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			file, fileErr = os.OpenFile(name, flag, perm)
			return file, fileErr
		},
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			// bbolt's mapping of the file cannot be reached from here and
			// stays until the process exits. The mapping keeps the open file
			// alive, so closing it would not drop the lock: unlock first.
			if file != nil {
				_ = syscall.Flock(int(file.Fd()), syscall.LOCK_UN)
				_ = file.Close()
			}
			bdb, err = nil, explainCorrupt(path, corruptError(path, r))
		}
	}()
	bdb, err = bbolt.Open(path, 0o600, bopts)
	var errno syscall.Errno
	var pathErr *fs.PathError
	switch {
	case err == nil:
		return bdb, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("store: %s is %w", path, ErrLocked)
	case errors.As(err, &pathErr):
		return nil, fmt.Errorf("store: %w", err) // it names the path itself
	case fileErr != nil, errors.As(err, &errno):
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	default:
		return nil, explainCorrupt(path, fmt.Errorf("store: %s: %w: %w", path, ErrCorrupt, err))
	}
}

// explainCorrupt is err, a file bbolt refused, with what Hotline's own
// check of the file finds put first: bbolt's words name its own reading
// ("invalid freelist page: 0", "checksum error"), the check's name the
// page and what is wrong with it, as store check does.
func explainCorrupt(path string, err error) error {
	f, oerr := os.Open(path)
	if oerr != nil {
		return err
	}
	defer f.Close()
	rep, cerr := checkFile(f, path, nil)
	if cerr != nil || len(rep.Problems) == 0 {
		return err
	}
	return fmt.Errorf("%w (bbolt: %s)", rep.Err(), strings.TrimPrefix(err.Error(), "store: "+path+": "))
}

func corruptError(path string, r any) error {
	if _, fault := r.(interface{ Addr() uintptr }); fault {
		// A memory fault in the mapping: a page past the end of the file.
		return fmt.Errorf("store: %s: %w: fault reading the file (truncated?): %v", path, ErrCorrupt, r)
	}
	return fmt.Errorf("store: %s: %w: %v", path, ErrCorrupt, r)
}

// prepare checks what bbolt cannot (truncation, schema) before anything is
// written, then creates or migrates the layout.
func (db *DB) prepare(opts Options, spec schemaSpec) error {
	info, err := os.Stat(db.path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	var version int
	var fresh bool
	err = db.guard(func() error {
		return db.bolt.View(func(tx *bbolt.Tx) error {
			// bbolt grows the file before it writes past its end, so pages
			// beyond the end mean the file lost its tail.
			if tx.Size() > info.Size() {
				return fmt.Errorf("store: %s: %w: truncated: %d bytes, its pages need %d",
					db.path, ErrCorrupt, info.Size(), tx.Size())
			}
			if version, fresh, err = readSchema(tx); err != nil {
				return fmt.Errorf("store: %s: %w", db.path, err)
			}
			if !fresh && !opts.ReadOnly {
				// The upgrade below makes the buckets a store lacks; one every
				// store has had since schema 1 is not new but lost, and an
				// empty one in its place would hide that its records are gone.
				for _, name := range firstBuckets {
					if tx.Bucket(name) == nil {
						return fmt.Errorf("store: %s: %w: bucket %q is missing; copy what is readable with hotline store repair", db.path, ErrCorrupt, name)
					}
				}
			}
			if opts.Verify {
				return db.verify(tx)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if err := spec.admit(version, fresh, opts.ReadOnly); err != nil {
		return fmt.Errorf("store: %s: %w", db.path, err)
	}
	if opts.ReadOnly {
		db.schema = version
		return nil
	}
	err = db.guard(func() error {
		return db.bolt.Update(func(tx *bbolt.Tx) error {
			if err := spec.upgrade(tx, version, fresh); err != nil {
				return err
			}
			if err := db.ensureLeadCounts(tx); err != nil {
				return err
			}
			if err := db.ensureLeadsDue(tx); err != nil {
				return err
			}
			return db.ensureLeadsAtRestart(tx)
		})
	})
	if err != nil {
		return fmt.Errorf("store: %s: %w", db.path, err)
	}
	switch {
	case fresh:
		db.log.Info().Int("schema", spec.current).Msg("store created")
	case version < spec.current:
		db.log.Info().Int("from", version).Int("to", spec.current).Msg("store schema migrated")
	}
	db.schema = spec.current
	db.indexOldRecordings()
	return nil
}

// readSchema reports the stored schema version, or fresh for a bbolt file
// with no buckets at all (just created).
func readSchema(tx *bbolt.Tx) (version int, fresh bool, err error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := tx.ForEach(func([]byte, *bbolt.Bucket) error { return ErrNotStore }) == nil
		if empty {
			return 0, true, nil
		}
		return 0, false, fmt.Errorf("%w: it has buckets but no %q bucket", ErrNotStore, bucketMeta)
	}
	raw := meta.Get(keySchema)
	if raw == nil {
		return 0, false, fmt.Errorf("%w: no schema version in bucket %q", ErrNotStore, bucketMeta)
	}
	version, err = strconv.Atoi(string(raw))
	if err != nil {
		return 0, false, fmt.Errorf("%w: schema version %q", ErrCorrupt, raw)
	}
	return version, false, nil
}

// admit decides whether a store at version may be opened by this build.
func (s schemaSpec) admit(version int, fresh, readOnly bool) error {
	switch {
	case fresh && readOnly:
		return fmt.Errorf("%w: the file is empty and a read-only open cannot set it up", ErrNotStore)
	case fresh:
		return nil
	case version > s.current:
		return fmt.Errorf("%w: version %d is newer than %d, the newest this Hotline understands; run a newer Hotline",
			ErrSchema, version, s.current)
	case version < s.oldest:
		return fmt.Errorf("%w: version %d is older than %d, the oldest this Hotline can migrate",
			ErrSchema, version, s.oldest)
	case version < s.current && readOnly:
		return fmt.Errorf("%w: version %d needs migrating to %d; open it once read-write",
			ErrSchema, version, s.current)
	}
	return nil
}

// upgrade brings an admitted store to the current layout in one transaction.
func (s schemaSpec) upgrade(tx *bbolt.Tx, version int, fresh bool) error {
	if !fresh {
		for v := version; v < s.current; v++ {
			step, ok := s.steps[v]
			if !ok {
				return fmt.Errorf("%w: no migration from version %d", ErrSchema, v)
			}
			if err := step(tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
		}
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("bucket %q: %w", name, err)
		}
	}
	if !fresh && version == s.current {
		return nil
	}
	return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(s.current)))
}

// verify reads every key and value so that damaged pages surface now.
func (db *DB) verify(tx *bbolt.Tx) error {
	var keys, sum int
	err := tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			// Reading both ends of a value faults on any of its pages that
			// lie past the end of the file.
			if len(v) > 0 {
				sum += int(v[0]) + int(v[len(v)-1])
			}
			keys++
			return nil
		})
	})
	db.log.Debug().Int("keys", keys).Int("sum", sum).Msg("store verified")
	return err
}

// guard turns a panic or memory fault inside bbolt (a damaged file) into
// ErrCorrupt. Callers' own code must not run inside it: see run.
func (db *DB) guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = corruptError(db.path, r)
		}
	}()
	return db.closedErr(fn())
}

func (db *DB) closedErr(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("store: %s: %w", db.path, ErrClosed)
	}
	return err
}

// Close releases the file. Further calls return ErrClosed.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", db.path, err)
	}
	return nil
}

// Path is the file the store lives in.
func (db *DB) Path() string { return db.path }

// SchemaVersion is the schema version of the open store: CurrentSchema,
// since Open migrates older stores and refuses the rest.
func (db *DB) SchemaVersion() int { return db.schema }
