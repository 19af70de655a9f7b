// Package page is the disk the bptree drill's indexes live on: numbered
// pages and a count of every page read and written. An index keeps only
// page ids, never pointers to pages, and goes through Read for every page
// it looks at, so the count is the number of disk reads it would cost
// with an empty buffer pool.
package page

// ID names a page. Nil is no page: a leaf without a right sibling, a
// bucket without an overflow page.
type ID uint32

// Nil is the zero ID, never allocated.
const Nil ID = 0

// Page is one page of an index. A B+ tree uses both kinds: internal pages
// hold only Keys and Children (len(Children) == len(Keys)+1, child i holds
// the keys k with Keys[i-1] <= k < Keys[i]); leaf pages hold Keys and
// Values and link to the next leaf. A hash index's bucket pages are leaf
// pages whose Next is the bucket's overflow page.
type Page struct {
	Leaf     bool
	Keys     []uint64
	Values   []uint64 // leaf pages only
	Children []ID     // internal pages only
	Next     ID       // leaf pages only
}

// Disk holds the pages and counts the reads and writes. It is not safe
// for concurrent use.
type Disk struct {
	pages  []*Page // pages[0] stands for Nil
	reads  int
	writes int
}

// NewDisk returns an empty disk.
func NewDisk() *Disk { return &Disk{pages: []*Page{nil}} }

// Alloc stores p on a new page and returns its id (one write).
func (d *Disk) Alloc(p *Page) ID {
	d.pages = append(d.pages, p)
	d.writes++
	return ID(len(d.pages) - 1)
}

// Read returns page id (one read). The page is the disk's own copy, as a
// buffer pool hands it out: change it, then Write it.
func (d *Disk) Read(id ID) *Page {
	d.reads++
	return d.pages[id]
}

// Write stores p as page id (one write).
func (d *Disk) Write(id ID, p *Page) {
	d.writes++
	d.pages[id] = p
}

// Reads is the number of page reads so far.
func (d *Disk) Reads() int { return d.reads }

// Writes is the number of page writes so far.
func (d *Disk) Writes() int { return d.writes }

// Pages is the number of pages allocated.
func (d *Disk) Pages() int { return len(d.pages) - 1 }

// Peek returns page id without counting a read: for tests and tools that
// inspect an index's shape, never for the index itself. It returns nil
// for Nil and for ids never allocated.
func (d *Disk) Peek(id ID) *Page {
	if int(id) >= len(d.pages) {
		return nil
	}
	return d.pages[id]
}
