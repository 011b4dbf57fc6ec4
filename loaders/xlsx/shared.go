package xlsx

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
)

// sharedMemory is how much of a shared-string table is held in memory;
// beyond it the table goes to a temporary file. A workbook of a million
// distinct texts (an export with a free-text column) has a table of tens
// of MB, and a hostile one of any size: held as Go strings it cost more
// than the texts themselves, for the whole load.
const sharedMemory = 16 << 20

// sharedTable holds the workbook's shared strings (every distinct text,
// which cells name by index): the texts end to end in one buffer with
// their end offsets, until sharedMemory, then in two temporary files (the
// texts, and their end offsets as 8-byte integers), read back by index.
type sharedTable struct {
	mem  []byte
	ends []uint32

	// Spilled: the texts and the offsets, written through buffers while
	// the table is read, then read back at random.
	texts, index   *os.File
	textsW, indexW *bufio.Writer
	size           int64 // bytes of text written
	n              int
	scratch        [16]byte
	buf            []byte
}

func (t *sharedTable) len() int { return t.n }

// add appends the next text.
func (t *sharedTable) add(s []byte) error {
	if t.texts == nil && len(t.mem)+len(s)+4*len(t.ends) > sharedMemory {
		if err := t.spill(); err != nil {
			return err
		}
	}
	t.n++
	if t.texts == nil {
		t.mem = append(t.mem, s...)
		t.ends = append(t.ends, uint32(len(t.mem)))
		return nil
	}
	if _, err := t.textsW.Write(s); err != nil {
		return err
	}
	t.size += int64(len(s))
	binary.LittleEndian.PutUint64(t.scratch[:8], uint64(t.size))
	_, err := t.indexW.Write(t.scratch[:8])
	return err
}

// spill moves the table to temporary files. They are removed at once (on
// systems that allow it), so nothing is left behind whatever happens to
// the process; the open files stay readable.
func (t *sharedTable) spill() error {
	var err error
	if t.texts, err = tempFile(); err != nil {
		return fmt.Errorf("shared strings: %v", err)
	}
	if t.index, err = tempFile(); err != nil {
		return fmt.Errorf("shared strings: %v", err)
	}
	t.textsW, t.indexW = bufio.NewWriterSize(t.texts, 256<<10), bufio.NewWriterSize(t.index, 64<<10)
	if _, err := t.textsW.Write(t.mem); err != nil {
		return err
	}
	for _, e := range t.ends {
		binary.LittleEndian.PutUint64(t.scratch[:8], uint64(e))
		if _, err := t.indexW.Write(t.scratch[:8]); err != nil {
			return err
		}
	}
	t.size = int64(len(t.mem))
	t.mem, t.ends = nil, nil
	return nil
}

func tempFile() (*os.File, error) {
	f, err := os.CreateTemp("", "ccfeed-xlsx-shared-*")
	if err != nil {
		return nil, err
	}
	if os.Remove(f.Name()) == nil {
		// Unlinked: the name is gone, the open file remains.
		return f, nil
	}
	return f, nil
}

// done ends the writing.
func (t *sharedTable) done() error {
	if t.texts == nil {
		return nil
	}
	if err := t.textsW.Flush(); err != nil {
		return fmt.Errorf("shared strings: %v", err)
	}
	if err := t.indexW.Flush(); err != nil {
		return fmt.Errorf("shared strings: %v", err)
	}
	return nil
}

// get returns text i ("" for an index out of range, as Excel shows it).
func (t *sharedTable) get(i int) (string, error) {
	if i < 0 || i >= t.n {
		return "", nil
	}
	if t.texts == nil {
		start := uint32(0)
		if i > 0 {
			start = t.ends[i-1]
		}
		return string(t.mem[start:t.ends[i]]), nil
	}
	var start, end int64
	if i == 0 {
		if _, err := t.index.ReadAt(t.scratch[8:16], 0); err != nil {
			return "", fmt.Errorf("shared strings: %v", err)
		}
		end = int64(binary.LittleEndian.Uint64(t.scratch[8:16]))
	} else {
		if _, err := t.index.ReadAt(t.scratch[:16], int64(i-1)*8); err != nil {
			return "", fmt.Errorf("shared strings: %v", err)
		}
		start = int64(binary.LittleEndian.Uint64(t.scratch[:8]))
		end = int64(binary.LittleEndian.Uint64(t.scratch[8:16]))
	}
	if cap(t.buf) < int(end-start) {
		t.buf = make([]byte, end-start)
	}
	b := t.buf[:end-start]
	if _, err := t.texts.ReadAt(b, start); err != nil {
		return "", fmt.Errorf("shared strings: %v", err)
	}
	return string(b), nil
}

// close removes the temporary files.
func (t *sharedTable) close() {
	for _, f := range []*os.File{t.texts, t.index} {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}
