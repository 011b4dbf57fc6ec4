package demo

// recordPager writes records into a series of JSON files of size records
// each, as an API's pages: an envelope object whose last member is the
// array of records. CxEngage list pages and LivePerson search responses are
// written this way.
type recordPager struct {
	size int
	// envelope writes page's envelope into e, up to the key of the array.
	envelope func(e *enc, page int)
	// create opens page's file.
	create func(page int) *out
	o      *out
	page   int
	rows   int
}

// add appends one record (a conversation with msgs messages).
func (p *recordPager) add(rec []byte, msgs int) {
	if p.o != nil && p.rows == p.size {
		p.finish()
	}
	if p.o == nil {
		p.page++
		p.rows = 0
		p.o = p.create(p.page)
		var e enc
		e.Obj()
		p.envelope(&e, p.page)
		// Records come last, so a reader sees the envelope first.
		p.o.write(e.b)
		p.o.writeString("[")
	}
	if p.rows > 0 {
		p.o.writeString(",")
	}
	p.o.writeString("\n")
	p.o.write(rec)
	p.rows++
	p.o.meta.Records++
	p.o.meta.Conversations++
	p.o.meta.Messages += msgs
}

// finish closes the page being written.
func (p *recordPager) finish() {
	if p.o == nil {
		return
	}
	p.o.writeString("\n]}\n")
	p.o.close()
	p.o = nil
}
