package bytesize

import "testing"

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1500", 1500, true},
		{"1MiB", 1 << 20, true},
		{"16 MiB", 16 << 20, true},
		{"2g", 2 << 30, true},
		{"64KB", 64 << 10, true},
		{"0", 0, false},
		{"-1", 0, false},
		{"abc", 0, false},
		{"1.5MiB", 0, false},
		{"3 TB", 0, false},
		{"", 0, false},
	} {
		got, err := Parse(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("Parse(%q) = %d, %v; want %d (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 16 << 20: "16 MiB", 4 << 30: "4 GiB", 64 << 10: "64 KiB", 1500: "1500 bytes"} {
		if got := Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
	}
}
