package loaders

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultProgressEvery is how often a load writes a progress line to a log
// or a pipe (Options.Every). A few seconds: whoever watches a log of a
// long load sees it move, and a short file writes none.
const DefaultProgressEvery = 5 * time.Second

// progress reports a long load: a bar redrawn in place on a terminal, a plain
// line every few seconds otherwise (logs and CI output stay readable).
type progress struct {
	opt   Options
	name  string
	size  int64
	bytes *atomic.Int64
	recs  atomic.Int64
	start time.Time
	quit  chan struct{}
	wg    sync.WaitGroup
}

func newProgress(opt Options, name string, size int64, bytes *atomic.Int64) *progress {
	p := &progress{opt: opt, name: name, size: size, bytes: bytes, start: time.Now(), quit: make(chan struct{})}
	if opt.Progress == nil {
		return p
	}
	every := DefaultProgressEvery
	if opt.Every > 0 {
		every = opt.Every
	}
	if opt.Terminal {
		every = 200 * time.Millisecond
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

func (p *progress) records(n int64) { p.recs.Store(n) }

// ReadLarge counts one record read, as Read does, and tells Progress at
// once. Read tells it every 1,024 records, which suits sources of many
// small records; a source whose records are large (a CxEngage interaction
// with its segments and transcript, a LivePerson conversation) can hold
// fewer than that in a file of many megabytes, and its progress would read
// "0 records, 0/s" until the end.
func (b *Batch) ReadLarge() {
	b.Read()
	if b.Progress != nil {
		b.Progress(b.Records())
	}
}

func (p *progress) draw() {
	done := p.bytes.Load()
	frac := 0.0
	if p.size > 0 {
		frac = min(float64(done)/float64(p.size), 1)
	}
	secs := time.Since(p.start).Seconds()
	rate := float64(p.recs.Load()) / max(secs, 0.001)
	if p.opt.Terminal {
		const width = 30
		filled := int(frac * width)
		fmt.Fprintf(p.opt.Progress, "\r%-24.24s [%s%s] %5.1f%% %9d records %8.0f/s",
			p.name, strings.Repeat("#", filled), strings.Repeat(" ", width-filled), frac*100, p.recs.Load(), rate)
		return
	}
	fmt.Fprintf(p.opt.Progress, "loading %s: %.0f%% of %d bytes, %d records, %.0f records/s\n",
		p.name, frac*100, p.size, p.recs.Load(), rate)
}

func (p *progress) stop() {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	p.wg.Wait()
}

func (p *progress) done(r Result) {
	p.stop()
	if p.opt.Progress != nil && p.opt.Terminal {
		fmt.Fprint(p.opt.Progress, "\r"+strings.Repeat(" ", 90)+"\r")
	}
}
