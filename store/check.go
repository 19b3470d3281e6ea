package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// The bbolt file format, as far as the check reads it (bbolt v1.5,
// internal/common): pages of Meta.pageSize bytes, each with a 16-byte header
// (id uint64, flags uint16, count uint16, overflow uint32) in native byte
// order, then count 16-byte elements.
const (
	pageHeaderSize = 16
	elementSize    = 16

	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	metaPageFlag     = 0x04
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01

	boltMagic     = 0xED0CDAED
	boltVersion   = 2
	metaSumSize   = 56 // the meta's bytes the checksum covers
	noFreelist    = ^uint64(0)
	bucketHdrSize = 16 // root page id and sequence before an inline page

	// maxDepth bounds the tree walk; a bbolt tree of a billion keys is
	// under ten levels deep, so more means pages that point in circles.
	maxDepth = 64
	// maxProblems bounds the report; the count goes on.
	maxProblems = 50
)

var byteOrder = binary.NativeEndian

// Problem is one piece of damage Check found.
type Problem struct {
	Page   uint64 // page id, 0 when it concerns the file as a whole
	Bucket string // the bucket whose tree holds the page, "" for the root tree
	What   string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Page != 0 {
		fmt.Fprintf(&b, "page %d", p.Page)
	}
	if p.Bucket != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "(bucket %q)", p.Bucket)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.What)
	return b.String()
}

// Report is what Check found in a store file.
type Report struct {
	Path     string
	Size     int64  // bytes
	PageSize int    // bytes
	Pages    uint64 // pages in use by the file's layout (bbolt's high water mark)
	Read     int    // pages the walk read
	Keys     map[string]int
	// Leaked counts pages neither reachable nor free: space a crash left
	// unused, not damage. Reported, never refused.
	Leaked int
	// BadMeta names a meta page that is not valid while the other is: the
	// file opens from the other, as of the transaction before, so the last
	// write may be lost (a crash as a write ended leaves this too). Reported,
	// never refused.
	BadMeta  string
	Problems []Problem
	// More counts problems found beyond those listed.
	More int
	// FreeListed is set when the walk read the freelist whole: the pages
	// no walk reached that it does not list are then pages a damaged tree
	// lost, each record on them its latest version, not a freed copy.
	FreeListed bool
}

// Err is nil for an undamaged file, else ErrCorrupt naming the file and the
// first problems.
func (r *Report) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	var b strings.Builder
	for i, p := range r.Problems[:min(len(r.Problems), 3)] {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	if n := len(r.Problems) + r.More - 3; n > 0 {
		fmt.Fprintf(&b, "; and %d more (hotline store check %s)", n, r.Path)
	}
	return fmt.Errorf("store: %s: %w: %s", r.Path, ErrCorrupt, b.String())
}

// Check reads the structure of the store file at path without bbolt: every
// page reachable from the newest valid meta page is read once (a visited set
// stops pages that point in circles), so the work is bounded by the file's
// size whatever its bytes. It takes a shared lock and fails with ErrLocked
// while a Hotline has the file open for writing.
func Check(path string) (*Report, error) {
	f, err := openIdle(path, "ask the daemon: hotline store backup")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var schema []byte
	rep, err := checkFile(f, path, func(bucket []string, k, v []byte) {
		if len(bucket) == 1 && bucket[0] == string(bucketMeta) && bytes.Equal(k, keySchema) {
			schema = bytes.Clone(v)
		}
	})
	if err != nil || len(rep.Problems) > 0 {
		return rep, err
	}
	if _, ok := rep.Keys[string(bucketMeta)]; ok {
		// A Hotline store (a fresh bbolt file has no buckets at all): one
		// it has had since schema 1 is missing only if it was lost, and
		// Open refuses a schema version it cannot read.
		for _, name := range firstBuckets {
			if _, ok := rep.Keys[string(name)]; !ok {
				rep.Problems = append(rep.Problems, Problem{What: fmt.Sprintf("bucket %q is missing", name)})
			}
		}
		if _, err := strconv.Atoi(string(schema)); schema != nil && err != nil {
			rep.Problems = append(rep.Problems, Problem{Bucket: string(bucketMeta), What: fmt.Sprintf("schema version %q is not a number", schema)})
		}
	}
	return rep, nil
}

// openIdle opens a store file for reading with a shared lock, so no Hotline
// writes it meanwhile; hint says what to do when one holds it.
func openIdle(path, hint string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("store: %s is %w (%s)", path, ErrLocked, hint)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	return f, nil
}

// checkFile walks the file; visit, when not nil, is given every key and
// value of every bucket the walk can read, with the bucket path.
func checkFile(f *os.File, path string, visit func(bucket []string, k, v []byte)) (*Report, error) {
	return walkFile(f, path, visit, nil)
}

// walkFile is checkFile that also gives sequence, when not nil, the
// sequence number of every bucket whose header it reads.
func walkFile(f *os.File, path string, visit func(bucket []string, k, v []byte), sequence func(bucket []string, seq uint64)) (*Report, error) {
	return walkSalvage(f, path, visit, sequence, nil)
}

// walkSalvage is walkFile that, when the walk found damage and orphan is
// not nil, also gives orphan every record of the leaf pages the walk did
// not reach and the freelist does not list: pages a damaged or lost
// branch page (or root, or bucket header: the newest pages, at the end
// of a file cut short) no longer leads to. They may hold older versions
// of records too (pages freed by a freelist that was lost): the caller
// tells which bucket a record is of, and which version to keep.
func walkSalvage(f *os.File, path string, visit func(bucket []string, k, v []byte), sequence func(bucket []string, seq uint64), orphan func(k, v []byte)) (*Report, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	w := &walker{r: f, rep: &Report{Path: path, Size: info.Size(), Keys: map[string]int{}}, visit: visit, sequence: sequence}
	w.run()
	if orphan != nil && len(w.rep.Problems) > 0 && w.seen != nil {
		w.orphans(orphan)
	}
	return w.rep, nil
}

// orphans gives orphan the records of the leaf pages no walk reached and
// no freelist lists.
func (w *walker) orphans(orphan func(k, v []byte)) {
	for id := uint64(2); id < w.have; id++ {
		if w.seen[id] || w.freed[id] {
			continue
		}
		var hdr [pageHeaderSize]byte
		if _, err := w.r.ReadAt(hdr[:], int64(id)*int64(w.pageSize)); err != nil || byteOrder.Uint64(hdr[:]) != id || byteOrder.Uint16(hdr[8:]) != leafPageFlag {
			continue
		}
		overflow := uint64(byteOrder.Uint32(hdr[12:]))
		if overflow >= w.have-id {
			continue
		}
		data := make([]byte, (overflow+1)*uint64(w.pageSize))
		if _, err := w.r.ReadAt(data, int64(id)*int64(w.pageSize)); err != nil {
			continue
		}
		for i := range int(byteOrder.Uint16(data[10:])) {
			e, key, value, ok := element(data, i, true)
			if e == nil {
				break
			}
			if ok && byteOrder.Uint32(e)&bucketLeafFlag == 0 {
				orphan(key, value)
			}
		}
		id += overflow
	}
}

type walker struct {
	r        io.ReaderAt
	rep      *Report
	pageSize int
	hwm      uint64
	// have is how many pages the file holds: fewer than hwm when it was
	// cut short, and the pages past it are lost.
	have     uint64
	seen     []bool // by page id
	freed    []bool
	visit    func(bucket []string, k, v []byte)
	sequence func(bucket []string, seq uint64)
}

type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	hwm      uint64
	txid     uint64
}

func (w *walker) problem(page uint64, bucket []string, format string, args ...any) {
	if len(w.rep.Problems) >= maxProblems {
		w.rep.More++
		return
	}
	w.rep.Problems = append(w.rep.Problems, Problem{Page: page, Bucket: strings.Join(bucket, "/"),
		What: fmt.Sprintf(format, args...)})
}

func (w *walker) run() {
	m, ok := w.meta()
	if !ok {
		return
	}
	w.pageSize, w.hwm = int(m.pageSize), m.hwm
	w.rep.PageSize, w.rep.Pages = w.pageSize, w.hwm
	switch {
	case w.hwm < 2:
		w.problem(0, nil, "the meta page counts %d pages, fewer than its own two", w.hwm)
		return
	}
	w.have = w.hwm
	if have := uint64(w.rep.Size) / uint64(w.pageSize); w.hwm > have {
		// Cut short: the pages still there are walked (and salvaged by
		// repair); what the missing ones held is lost.
		w.problem(0, nil, "truncated: %d bytes, its pages need %d; pages %d..%d are missing", w.rep.Size, w.hwm*uint64(w.pageSize), have, w.hwm-1)
		w.have = have
	}
	w.seen = make([]bool, w.hwm)
	w.freed = make([]bool, w.hwm)
	w.seen[0], w.seen[1] = true, true
	if m.freelist != noFreelist {
		w.freelist(m.freelist)
	}
	w.tree(m.root, nil, 0, 0, bounds{})
	if m.freelist == noFreelist {
		return // free pages are not listed, so unreachable ones are not leaks
	}
	for id := range w.have {
		if !w.seen[id] && !w.freed[id] {
			w.rep.Leaked++
		}
	}
}

// meta picks the meta page bbolt would: the valid one with the higher
// transaction id.
func (w *walker) meta() (meta, bool) {
	var metas []meta
	var bad []string
	for _, off := range w.metaOffsets() {
		m, err := w.readMeta(off)
		if err != nil {
			bad = append(bad, fmt.Sprintf("meta page at byte %d: %v", off, err))
			continue
		}
		metas = append(metas, m)
	}
	if len(metas) == 0 {
		w.problem(0, nil, "no valid meta page (%s)", strings.Join(bad, "; "))
		return meta{}, false
	}
	best := metas[0]
	for _, m := range metas[1:] {
		if m.txid > best.txid {
			best = m
		}
	}
	if len(metas) == 1 && len(bad) > 0 {
		// Page 0 readable, its size says where page 1 is, the one offset
		// that failed; else page 0 failed first (a valid page 1 was found
		// among the sizes tried after it).
		w.rep.BadMeta = bad[0]
	}
	return best, true
}

// metaOffsets are where the two meta pages may start: page 0, and page 1 at
// the page size page 0 names or, when page 0 is unreadable, at any size bbolt
// would try.
func (w *walker) metaOffsets() []int64 {
	if m, err := w.readMeta(0); err == nil {
		return []int64{0, int64(m.pageSize)}
	}
	offs := []int64{0}
	for i := range 15 {
		if off := int64(1024) << i; off < w.rep.Size-1024 {
			offs = append(offs, off)
		}
	}
	return offs
}

func (w *walker) readMeta(off int64) (meta, error) {
	var buf [pageHeaderSize + metaSumSize + 8]byte
	if _, err := w.r.ReadAt(buf[:], off); err != nil {
		return meta{}, fmt.Errorf("unreadable: %w", err)
	}
	b := buf[pageHeaderSize:]
	sum := fnv.New64a()
	sum.Write(b[:metaSumSize])
	m := meta{pageSize: byteOrder.Uint32(b[8:]), root: byteOrder.Uint64(b[16:]),
		freelist: byteOrder.Uint64(b[32:]), hwm: byteOrder.Uint64(b[40:]), txid: byteOrder.Uint64(b[48:])}
	switch {
	case byteOrder.Uint16(buf[8:])&metaPageFlag == 0:
		return m, fmt.Errorf("not a meta page (flags %#x)", byteOrder.Uint16(buf[8:]))
	case byteOrder.Uint32(b) != boltMagic:
		return m, errors.New("no bbolt magic number")
	case byteOrder.Uint32(b[4:]) != boltVersion:
		return m, fmt.Errorf("format version %d, want %d", byteOrder.Uint32(b[4:]), boltVersion)
	case byteOrder.Uint64(b[metaSumSize:]) != sum.Sum64():
		return m, errors.New("checksum mismatch")
	case m.pageSize < 1024 || m.pageSize > 1<<24 || m.pageSize&(m.pageSize-1) != 0:
		return m, fmt.Errorf("page size %d is not a power of two from 1 KiB to 16 MiB", m.pageSize)
	}
	return m, nil
}

// page reads page id with its overflow pages and marks them seen; ok is
// false (and the problem reported) when it cannot be used.
func (w *walker) page(id uint64, bucket []string, from uint64) (data []byte, ok bool) {
	if id < 2 || id >= w.hwm {
		w.problem(from, bucket, "points to page %d, outside pages 2..%d", id, w.hwm-1)
		return nil, false
	}
	if id >= w.have {
		w.problem(from, bucket, "points to page %d, past the end of the file (cut short at page %d): what it held is lost", id, w.have)
		return nil, false
	}
	if w.seen[id] {
		w.problem(from, bucket, "points to page %d, already reached another way (pages in a circle or shared)", id)
		return nil, false
	}
	var hdr [pageHeaderSize]byte
	if _, err := w.r.ReadAt(hdr[:], int64(id)*int64(w.pageSize)); err != nil {
		w.problem(id, bucket, "unreadable: %v", err)
		return nil, false
	}
	overflow := uint64(byteOrder.Uint32(hdr[12:]))
	switch {
	case byteOrder.Uint64(hdr[:]) != id:
		w.problem(id, bucket, "header says page %d", byteOrder.Uint64(hdr[:]))
		return nil, false
	case overflow >= w.hwm-id:
		w.problem(id, bucket, "%d overflow pages run past the last page %d", overflow, w.hwm-1)
		return nil, false
	case overflow >= w.have-id:
		w.problem(id, bucket, "its %d overflow pages run past the end of the file (cut short at page %d): what it held is lost", overflow, w.have)
		return nil, false
	}
	for o := id; o <= id+overflow; o++ {
		if w.seen[o] {
			w.problem(id, bucket, "its overflow page %d is also reached another way", o)
			return nil, false
		}
	}
	for o := id; o <= id+overflow; o++ {
		w.seen[o] = true
	}
	data = make([]byte, (overflow+1)*uint64(w.pageSize))
	if _, err := w.r.ReadAt(data, int64(id)*int64(w.pageSize)); err != nil {
		w.problem(id, bucket, "unreadable: %v", err)
		return nil, false
	}
	w.rep.Read += int(overflow) + 1
	return data, true
}

func (w *walker) freelist(id uint64) {
	data, ok := w.page(id, nil, 0)
	if !ok {
		return
	}
	if flags := byteOrder.Uint16(data[8:]); flags&freelistPageFlag == 0 {
		w.problem(id, nil, "the meta page names it the freelist, but its type is %#x", flags)
		return
	}
	start, count := uint64(pageHeaderSize), uint64(byteOrder.Uint16(data[10:]))
	if count == 0xFFFF {
		count, start = byteOrder.Uint64(data[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > (uint64(len(data))-start)/8 {
		w.problem(id, nil, "freelist of %d pages does not fit its page", count)
		return
	}
	whole := true
	for i := range count {
		free := byteOrder.Uint64(data[start+8*i:])
		switch {
		case free < 2 || free >= w.hwm:
			w.problem(id, nil, "freelist names page %d, outside pages 2..%d", free, w.hwm-1)
			whole = false
		case w.freed[free]:
			w.problem(id, nil, "freelist names page %d twice", free)
			whole = false
		default:
			w.freed[free] = true
		}
	}
	w.rep.FreeListed = whole
}

// bounds are the keys a subtree may hold: from lo (nil: no lower bound)
// up to but excluding hi (nil: none), as its parent branch page says.
type bounds struct{ lo, hi []byte }

func (b bounds) holds(key []byte) bool {
	return (b.lo == nil || bytes.Compare(key, b.lo) >= 0) && (b.hi == nil || bytes.Compare(key, b.hi) < 0)
}

// tree walks the bucket tree whose root is page id.
func (w *walker) tree(id uint64, bucket []string, from uint64, depth int, in bounds) {
	if depth > maxDepth {
		w.problem(from, bucket, "tree deeper than %d levels", maxDepth)
		return
	}
	data, ok := w.page(id, bucket, from)
	if !ok {
		return
	}
	if w.freed[id] {
		w.problem(id, bucket, "in use and listed as free")
	}
	flags, count := byteOrder.Uint16(data[8:]), int(byteOrder.Uint16(data[10:]))
	switch {
	case flags == branchPageFlag:
		w.branch(id, data, count, bucket, depth, in)
	case flags == leafPageFlag:
		w.leaf(id, data, count, bucket, depth, in)
	default:
		w.problem(id, bucket, "type %#x where a branch or leaf page belongs", flags)
	}
}

// element returns the byte ranges of element i's key (and, on a leaf, its
// value), or ok false when they do not lie inside data.
func element(data []byte, i int, leaf bool) (e []byte, key, value []byte, ok bool) {
	at := pageHeaderSize + i*elementSize
	if at+elementSize > len(data) {
		return nil, nil, nil, false
	}
	e = data[at : at+elementSize]
	var pos, ksize, vsize uint64
	if leaf {
		pos, ksize, vsize = uint64(byteOrder.Uint32(e[4:])), uint64(byteOrder.Uint32(e[8:])), uint64(byteOrder.Uint32(e[12:]))
	} else {
		pos, ksize = uint64(byteOrder.Uint32(e[0:])), uint64(byteOrder.Uint32(e[4:]))
	}
	start := uint64(at) + pos
	if start+ksize+vsize > uint64(len(data)) {
		return e, nil, nil, false
	}
	return e, data[start : start+ksize], data[start+ksize : start+ksize+vsize], true
}

func (w *walker) branch(id uint64, data []byte, count int, bucket []string, depth int, in bounds) {
	if count == 0 {
		w.problem(id, bucket, "branch page with no elements")
		return
	}
	children := make([]uint64, count)
	keys := make([][]byte, count)
	for i := range count {
		e, key, _, ok := element(data, i, false)
		if !ok {
			w.problem(id, bucket, "element %d of %d lies outside the page", i, count)
			return
		}
		if !w.ordered(id, bucket, i, keys, key, in) {
			return
		}
		children[i], keys[i] = byteOrder.Uint64(e[8:]), key
	}
	for i, child := range children {
		sub := bounds{lo: keys[i], hi: in.hi}
		if i+1 < count {
			sub.hi = keys[i+1]
		}
		w.tree(child, bucket, id, depth+1, sub)
	}
}

// ordered checks key i of a page against the one before and the page's
// bounds; keys out of order send lookups and scans astray, so the page's
// elements are not followed.
func (w *walker) ordered(id uint64, bucket []string, i int, keys [][]byte, key []byte, in bounds) bool {
	switch {
	case i > 0 && bytes.Compare(keys[i-1], key) >= 0:
		w.problem(id, bucket, "keys out of order at element %d", i)
		return false
	case !in.holds(key):
		w.problem(id, bucket, "key %q of element %d lies outside the range its parent page gives", key, i)
		return false
	}
	return true
}

// leaf reads a leaf page: page id's own, or an inline bucket's page held
// in a value of page id.
//
// An element that is bad (its key or value outside the page, its key out
// of order) is named and passed by: the elements after it, whose headers
// are sound, are read still, so a repair copies them (a damaged element
// header costs its own record, not the rest of the page). After
// maxBadElements the page is given up, as one whose bytes are garbage.
func (w *walker) leaf(id uint64, data []byte, count int, bucket []string, depth int, in bounds) {
	keys := make([][]byte, count)
	bad := 0
	for i := range count {
		e, key, value, ok := element(data, i, true)
		if ok && !w.ordered(id, bucket, i, keys, key, in) {
			ok = false
		} else if !ok {
			w.problem(id, bucket, "element %d of %d lies outside the page", i, count)
		}
		if !ok {
			if bad++; e == nil || bad >= maxBadElements {
				return // the headers themselves run past the page, or garbage
			}
			if i > 0 {
				keys[i] = keys[i-1] // the next key is compared with the last good one
			}
			continue
		}
		keys[i] = key
		if byteOrder.Uint32(e)&bucketLeafFlag == 0 {
			if len(bucket) > 0 {
				w.rep.Keys[bucket[0]]++
			}
			if w.visit != nil {
				w.visit(bucket, key, value)
			}
			continue
		}
		w.bucket(id, key, value, bucket, depth)
	}
}

// maxBadElements is how many bad elements a leaf page may have before the
// rest of it is given up.
const maxBadElements = 4

// bucket walks the bucket named key whose header is value.
func (w *walker) bucket(id uint64, key, value []byte, parent []string, depth int) {
	path := append(parent[:len(parent):len(parent)], string(key))
	if len(value) < bucketHdrSize {
		w.problem(id, path, "bucket header of %d bytes, want %d", len(value), bucketHdrSize)
		return
	}
	if _, ok := w.rep.Keys[path[0]]; !ok && len(path) == 1 {
		w.rep.Keys[path[0]] = 0
	}
	if w.sequence != nil {
		w.sequence(path, byteOrder.Uint64(value[8:]))
	}
	if root := byteOrder.Uint64(value); root != 0 {
		w.tree(root, path, id, depth+1, bounds{})
		return
	}
	inline := value[bucketHdrSize:]
	if len(inline) < pageHeaderSize {
		w.problem(id, path, "inline bucket of %d bytes, shorter than a page header", len(inline))
		return
	}
	if flags := byteOrder.Uint16(inline[8:]); flags != leafPageFlag {
		w.problem(id, path, "inline bucket of type %#x, want a leaf", flags)
		return
	}
	if depth+1 > maxDepth {
		w.problem(id, path, "buckets nested deeper than %d levels", maxDepth)
		return
	}
	w.leaf(id, inline, int(byteOrder.Uint16(inline[10:])), path, depth+1, bounds{})
}

// checkOpened checks the structure of a file bbolt has just opened (and
// locked) before anything reads it through bbolt, whose cursors trust the
// pages and can loop forever on pages that point in circles.
func checkOpened(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	rep, err := checkFile(f, path, nil)
	if err != nil {
		return err
	}
	return rep.Err()
}

// checkLength refuses an existing file shorter than its newest valid meta
// page says its pages reach (a file that lost its tail), before bbolt
// reads it: opened for writing, bbolt reads the free list first, from a
// page that may be past the end. A file with no valid meta page is left
// to bbolt, which names it.
func checkLength(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // bbolt creates it, or names why it cannot
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	w := &walker{r: f, rep: &Report{Path: path, Size: info.Size(), Keys: map[string]int{}}}
	m, ok := w.meta()
	if !ok {
		return nil
	}
	if need := m.hwm * uint64(m.pageSize); need > uint64(info.Size()) {
		return fmt.Errorf("store: %s: %w: truncated: %d bytes, its pages need %d", path, ErrCorrupt, info.Size(), need)
	}
	return nil
}
