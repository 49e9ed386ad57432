package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/bits"
)

// ErrDamaged is returned when a database or backup file is damaged: cut short, overwritten, or
// with pages that contradict each other. Nothing was changed; the error says what to do.
var ErrDamaged = errors.New("damaged database file")

// damagedError names a damaged file, what is wrong with it, and what to do.
type damagedError struct {
	role   string // "database", "backup", …
	path   string
	detail string
}

func (e damagedError) Error() string {
	var advice string
	switch e.role {
	case "database":
		advice = "restore the newest backup over it with the bot stopped (ritualbot restore -config FILE -from BACKUP -force; " +
			"copy the damaged file elsewhere first if you want to keep it)"
	case "backup":
		advice = "it cannot be restored; use another backup"
	default: // a copy this process just wrote
		advice = "nothing was replaced; check the disk, then try again"
	}
	return fmt.Sprintf("%s %s is damaged (%s): %s", e.role, e.path, e.detail, advice)
}

func (e damagedError) Is(target error) bool { return target == ErrDamaged }

// The parts of bbolt's file format the check reads (go.etcd.io/bbolt/internal/common), in the
// machine's byte order as bbolt writes them.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16 // id u64, flags u16, count u16, overflow u32
	elementSize      = 16 // branch: pos, ksize u32, pgid u64; leaf: flags, pos, ksize, vsize u32
	bucketHeaderSize = 16 // root pgid u64, sequence u64
	metaSize         = 64 // magic, version, pageSize, flags u32; root, sequence, freelist, pgid, txid, checksum u64
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01
	noFreelist       = ^uint64(0)
	maxKeySize       = 32768
	// maxCheckDepth bounds page nesting (tree levels and nested buckets together); real files
	// nest a dozen levels at most.
	maxCheckDepth = 64
	// pagePrefix is how much of a page the check holds in memory per level; the rest of a large
	// page is read where it is needed.
	pagePrefix = 64 << 10
)

var native = binary.NativeEndian

// meta is the part of a bbolt meta page the check uses.
type meta struct {
	pageSize uint32
	root     uint64 // the root bucket's page
	freelist uint64
	pgid     uint64 // pages in use: the high-water mark
	txid     uint64
}

// readMeta reads and validates (magic, version, checksum) the meta page at off. hasMagic is
// true when the page at least carries bbolt's magic number.
func readMeta(r io.ReaderAt, off int64) (m meta, hasMagic, valid bool) {
	var buf [pageHeaderSize + metaSize]byte
	if n, _ := r.ReadAt(buf[:], off); n < len(buf) {
		return m, false, false
	}
	b := buf[pageHeaderSize:]
	if native.Uint32(b[0:]) != boltMagic {
		return m, false, false
	}
	h := fnv.New64a()
	h.Write(b[:56])
	if native.Uint32(b[4:]) != boltVersion || native.Uint64(b[56:]) != h.Sum64() {
		return m, true, false
	}
	return meta{pageSize: native.Uint32(b[8:]), root: native.Uint64(b[16:]), freelist: native.Uint64(b[32:]),
		pgid: native.Uint64(b[40:]), txid: native.Uint64(b[48:])}, true, true
}

// metaOffsets are where bbolt looks for the second meta page when the first is unreadable: one
// page in, for page sizes from 1 KiB to 16 MiB.
func metaOffsets(size int64) []int64 {
	var out []int64
	for i := range 15 {
		pos := int64(1024) << i
		if pos >= size-1024 {
			break
		}
		out = append(out, pos)
	}
	return out
}

// hasBoltHeader reports whether either of the file's meta pages carries bbolt's magic number, so
// a file whose first page was wiped is still known for a bbolt file.
func hasBoltHeader(r io.ReaderAt, size int64) bool {
	if _, magic, _ := readMeta(r, 0); magic {
		return true
	}
	for _, off := range metaOffsets(size) {
		if _, magic, _ := readMeta(r, off); magic {
			return true
		}
	}
	return false
}

// fileCheck walks a bbolt file's pages as bbolt would reach them, reading from disk and trusting
// nothing a page claims: every page id and overflow must lie within the file, each page is
// reached once (the free ones never), keys are in order and within their page, and nesting is
// bounded. It holds a bit per page and a few pages per level, whatever the file claims.
type fileCheck struct {
	r        io.ReaderAt
	pageSize int64
	pages    uint64   // the high-water mark: pages 0..pages-1 are in use or free
	seen     []uint64 // a bit per page: free, or reached
	levels   [maxCheckDepth + 1]checkLevel
	scratch  []byte // a page header, read and used at once
	// recovered is set when one of the two meta pages is invalid: bbolt reads the other.
	recovered bool
}

// checkLevel is the memory of one nesting level: the start of its page and scratch for keys.
type checkLevel struct {
	prefix  []byte
	keys    [2][]byte
	elem    []byte
	scratch []byte
}

// checkStructure checks the bbolt file r of size bytes the way fileCheck describes and returns
// what is wrong in a few words, or nil. recovered reports that one of the two meta pages is
// invalid, so bbolt reads the other.
func checkStructure(r io.ReaderAt, size int64) (recovered bool, err error) {
	c := &fileCheck{r: r, scratch: make([]byte, pageHeaderSize)}
	m, err := c.chooseMeta(size)
	if err != nil {
		return false, err
	}
	c.pages = m.pgid
	c.seen = make([]uint64, (m.pgid+63)/64)
	if m.freelist != noFreelist {
		if err := c.checkFreelist(m.freelist); err != nil {
			return false, err
		}
	}
	if err := c.checkPage(m.root, nil, nil, 0, true); err != nil {
		return false, err
	}
	return c.recovered, nil
}

// chooseMeta finds the page size and the meta page bbolt would use, as bbolt does: the page size
// from the first valid meta page found, then the valid one of the two with the higher
// transaction id. It checks that the file holds every page the meta counts.
func (c *fileCheck) chooseMeta(size int64) (meta, error) {
	first, _, ok := readMeta(c.r, 0)
	for _, off := range metaOffsets(size) {
		if ok {
			break
		}
		first, _, ok = readMeta(c.r, off)
	}
	if !ok {
		return meta{}, errors.New("neither of its two meta pages is valid")
	}
	ps := int64(first.pageSize)
	if ps < 1024 || ps > 16<<20 || bits.OnesCount64(uint64(ps)) != 1 {
		return meta{}, fmt.Errorf("its meta page gives an impossible page size, %d", ps)
	}
	c.pageSize = ps
	m0, _, ok0 := readMeta(c.r, 0)
	m1, _, ok1 := readMeta(c.r, ps)
	var m meta
	switch {
	case ok0 && ok1 && m1.txid > m0.txid, !ok0 && ok1:
		m = m1
	case ok0:
		m = m0
	default:
		return meta{}, errors.New("neither of its two meta pages is valid")
	}
	c.recovered = !ok0 || !ok1
	if m.pageSize != first.pageSize {
		return meta{}, fmt.Errorf("its meta pages disagree on the page size (%d and %d)", first.pageSize, m.pageSize)
	}
	if m.pgid < 3 || m.pgid > uint64(size/ps) {
		return meta{}, fmt.Errorf("the file is %d bytes but its meta page counts %d pages of %d bytes: it was cut short", size, m.pgid, ps)
	}
	if m.root < 2 || m.root >= m.pgid {
		return meta{}, fmt.Errorf("its root page %d is outside the file's %d pages", m.root, m.pgid)
	}
	if m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.pgid) {
		return meta{}, fmt.Errorf("its free-page list %d is outside the file's %d pages", m.freelist, m.pgid)
	}
	return m, nil
}

// mark records pages id..id+n-1 as used (reached, or free when free is set); a page used twice
// is damage.
func (c *fileCheck) mark(id, n uint64, free bool) error {
	for p := id; p < id+n; p++ {
		word, bit := p/64, uint64(1)<<(p%64)
		if c.seen[word]&bit == 0 {
			c.seen[word] |= bit
			continue
		}
		if free {
			return fmt.Errorf("page %d is listed as free twice", p)
		}
		return fmt.Errorf("page %d is used twice, or used and free (found again through page %d)", p, id)
	}
	return nil
}

// pageHeader reads the header of page id and checks that the page, its overflow included, lies
// within the file and says it is page id. It returns the page's flags, count and length.
func (c *fileCheck) pageHeader(id uint64) (flags, count uint16, span int64, err error) {
	if id < 2 || id >= c.pages {
		return 0, 0, 0, fmt.Errorf("a page refers to page %d, outside the file's %d pages", id, c.pages)
	}
	h := c.scratch[:pageHeaderSize]
	if _, err := c.r.ReadAt(h, int64(id)*c.pageSize); err != nil {
		return 0, 0, 0, fmt.Errorf("page %d cannot be read: %w", id, err)
	}
	if got := native.Uint64(h[0:]); got != id {
		return 0, 0, 0, fmt.Errorf("page %d says it is page %d", id, got)
	}
	overflow := uint64(native.Uint32(h[12:]))
	if overflow >= c.pages-id {
		return 0, 0, 0, fmt.Errorf("page %d claims %d more pages, beyond the file's %d", id, overflow, c.pages)
	}
	return native.Uint16(h[8:]), native.Uint16(h[10:]), int64(overflow+1) * c.pageSize, c.mark(id, overflow+1, false)
}

// checkFreelist checks the free-page list: a freelist page within the file listing pages within
// it, each once.
func (c *fileCheck) checkFreelist(id uint64) error {
	flags, count, span, err := c.pageHeader(id)
	if err != nil {
		return fmt.Errorf("free-page list: %w", err)
	}
	if flags != freelistPageFlag {
		return fmt.Errorf("page %d should hold the free-page list but is of type %#x", id, flags)
	}
	off := int64(id)*c.pageSize + pageHeaderSize
	n := uint64(count)
	if count == 0xFFFF { // the count did not fit: it is the first element
		var b [8]byte
		if _, err := c.r.ReadAt(b[:], off); err != nil {
			return fmt.Errorf("free-page list: %w", err)
		}
		n, off = native.Uint64(b[:]), off+8
	}
	if room := uint64(span-pageHeaderSize) / 8; n > room {
		return fmt.Errorf("the free-page list claims %d pages but has room for %d", n, room)
	}
	buf := make([]byte, 8*1024)
	for done := uint64(0); done < n; {
		chunk := min(n-done, uint64(len(buf)/8))
		b := buf[:chunk*8]
		if _, err := c.r.ReadAt(b, off+int64(done*8)); err != nil {
			return fmt.Errorf("free-page list: %w", err)
		}
		for i := range chunk {
			p := native.Uint64(b[i*8:])
			if p < 2 || p >= c.pages {
				return fmt.Errorf("the free-page list names page %d, outside the file's %d pages", p, c.pages)
			}
			if err := c.mark(p, 1, true); err != nil {
				return err
			}
		}
		done += chunk
	}
	return nil
}

// pageView is a page's bytes in the file: a page with its overflow, or a bucket stored inline in
// a value.
type pageView struct {
	id   uint64 // for messages; an inline page names the page holding it
	off  int64
	span int64
}

// checkPage checks page id and, through it, every page it leads to. Its keys must lie in
// [lo, hi) (hi nil: no upper bound). root says the page is the root bucket's, whose records are
// all buckets.
func (c *fileCheck) checkPage(id uint64, lo, hi []byte, depth int, root bool) error {
	if depth > maxCheckDepth {
		return fmt.Errorf("its pages nest more than %d deep at page %d", maxCheckDepth, id)
	}
	flags, count, span, err := c.pageHeader(id)
	if err != nil {
		return err
	}
	v := pageView{id: id, off: int64(id) * c.pageSize, span: span}
	switch flags {
	case branchPageFlag:
		return c.checkBranch(v, count, lo, hi, depth, root)
	case leafPageFlag:
		return c.checkLeaf(v, count, lo, hi, depth, root)
	}
	return fmt.Errorf("page %d is of unknown type %#x", id, flags)
}

// load reads the start of v into the level's buffer.
func (c *fileCheck) load(v pageView, depth int) error {
	l := &c.levels[depth]
	n := min(v.span, pagePrefix)
	if int64(cap(l.prefix)) < n {
		l.prefix = make([]byte, n)
	}
	l.prefix = l.prefix[:n]
	if _, err := c.r.ReadAt(l.prefix, v.off); err != nil {
		return fmt.Errorf("page %d cannot be read: %w", v.id, err)
	}
	return nil
}

// bytesAt returns n bytes at offset off of v: from the level's buffer when they are there, else
// read into *dst, which grows as needed.
func (c *fileCheck) bytesAt(v pageView, depth int, off, n int64, dst *[]byte) ([]byte, error) {
	if p := c.levels[depth].prefix; off+n <= int64(len(p)) {
		return p[off : off+n], nil
	}
	if int64(cap(*dst)) < n {
		*dst = make([]byte, n)
	}
	b := (*dst)[:n]
	if _, err := c.r.ReadAt(b, v.off+off); err != nil {
		return nil, fmt.Errorf("page %d cannot be read: %w", v.id, err)
	}
	return b, nil
}

// element reads element i of v and the offset of its key from the page start.
func (c *fileCheck) element(v pageView, depth, i int) ([]byte, int64, error) {
	off := int64(pageHeaderSize + i*elementSize)
	e, err := c.bytesAt(v, depth, off, elementSize, &c.levels[depth].elem)
	return e, off, err
}

// key reads a key of size ksize at offset off of v into the level's scratch slot, after checking
// that it lies within the page.
func (c *fileCheck) key(v pageView, depth int, off int64, ksize, extra uint32, slot int) ([]byte, error) {
	if ksize > maxKeySize {
		return nil, fmt.Errorf("page %d holds a key of %d bytes, more than bbolt allows", v.id, ksize)
	}
	if off < 0 || off+int64(ksize)+int64(extra) > v.span {
		return nil, fmt.Errorf("page %d points past its end", v.id)
	}
	return c.bytesAt(v, depth, off, int64(ksize), &c.levels[depth].keys[slot])
}

// checkOrder checks that key follows prev (strictly) and lies in [lo, hi).
func checkOrder(v pageView, key, prev, lo, hi []byte, first bool) error {
	switch {
	case first && lo != nil && bytes.Compare(key, lo) < 0,
		!first && bytes.Compare(key, prev) <= 0,
		hi != nil && bytes.Compare(key, hi) >= 0:
		return fmt.Errorf("the keys of page %d are out of order", v.id)
	}
	return nil
}

// elementsFit checks that count elements fit in v after its header.
func elementsFit(v pageView, count uint16) error {
	if pageHeaderSize+int64(count)*elementSize > v.span {
		return fmt.Errorf("page %d lists %d records, more than fit in it", v.id, count)
	}
	return nil
}

// checkBranch checks a branch page: each element's key, in order, and the subtree it leads to,
// whose keys must lie between this key and the next.
func (c *fileCheck) checkBranch(v pageView, count uint16, lo, hi []byte, depth int, root bool) error {
	if count == 0 {
		return fmt.Errorf("branch page %d is empty", v.id)
	}
	if err := elementsFit(v, count); err != nil {
		return err
	}
	if err := c.load(v, depth); err != nil {
		return err
	}
	keyOf := func(i, slot int) ([]byte, uint64, error) {
		e, off, err := c.element(v, depth, i)
		if err != nil {
			return nil, 0, err
		}
		pos, ksize, child := native.Uint32(e[0:]), native.Uint32(e[4:]), native.Uint64(e[8:])
		k, err := c.key(v, depth, off+int64(pos), ksize, 0, slot)
		return k, child, err
	}
	key, child, err := keyOf(0, 0)
	if err != nil {
		return err
	}
	if err := checkOrder(v, key, nil, lo, hi, true); err != nil {
		return err
	}
	for i := range int(count) {
		next, nextChild := hi, uint64(0)
		if i+1 < int(count) {
			if next, nextChild, err = keyOf(i+1, (i+1)%2); err != nil {
				return err
			}
			if err := checkOrder(v, next, key, lo, hi, false); err != nil {
				return err
			}
		}
		if err := c.checkPage(child, key, next, depth+1, root); err != nil {
			return err
		}
		key, child = next, nextChild
	}
	return nil
}

// checkLeaf checks a leaf page: keys in order and within the page, values within it, and every
// bucket it holds.
func (c *fileCheck) checkLeaf(v pageView, count uint16, lo, hi []byte, depth int, root bool) error {
	if err := elementsFit(v, count); err != nil {
		return err
	}
	if err := c.load(v, depth); err != nil {
		return err
	}
	var prev []byte
	for i := range int(count) {
		e, off, err := c.element(v, depth, i)
		if err != nil {
			return err
		}
		flags, pos, ksize, vsize := native.Uint32(e[0:]), native.Uint32(e[4:]), native.Uint32(e[8:]), native.Uint32(e[12:])
		key, err := c.key(v, depth, off+int64(pos), ksize, vsize, i%2)
		if err != nil {
			return err
		}
		if err := checkOrder(v, key, prev, lo, hi, i == 0); err != nil {
			return err
		}
		prev = key
		isBucket := flags&bucketLeafFlag != 0
		if root && !isBucket {
			return fmt.Errorf("page %d holds a record where only buckets belong", v.id)
		}
		if isBucket {
			valueOff := off + int64(pos) + int64(ksize)
			if err := c.checkBucket(v, depth, valueOff, int64(vsize)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkBucket checks the bucket whose header is the value at offset off (size bytes) of v: its
// root page, or the page stored inline after the header.
func (c *fileCheck) checkBucket(v pageView, depth int, off, size int64) error {
	if size < bucketHeaderSize {
		return fmt.Errorf("page %d holds a bucket of %d bytes, too short for its header", v.id, size)
	}
	h, err := c.bytesAt(v, depth, off, bucketHeaderSize, &c.levels[depth].scratch)
	if err != nil {
		return err
	}
	if rootPage := native.Uint64(h); rootPage != 0 {
		return c.checkPage(rootPage, nil, nil, depth+1, false)
	}
	inline := pageView{id: v.id, off: v.off + off + bucketHeaderSize, span: size - bucketHeaderSize}
	if inline.span < pageHeaderSize {
		return fmt.Errorf("page %d holds an inline bucket too short for its page", v.id)
	}
	if depth+1 > maxCheckDepth {
		return fmt.Errorf("its pages nest more than %d deep at page %d", maxCheckDepth, v.id)
	}
	ph := c.scratch[:pageHeaderSize]
	if _, err := c.r.ReadAt(ph, inline.off); err != nil {
		return fmt.Errorf("page %d cannot be read: %w", v.id, err)
	}
	if flags := native.Uint16(ph[8:]); flags != leafPageFlag {
		return fmt.Errorf("page %d holds an inline bucket of type %#x", v.id, flags)
	}
	return c.checkLeaf(inline, native.Uint16(ph[10:]), nil, nil, depth+1, false)
}
