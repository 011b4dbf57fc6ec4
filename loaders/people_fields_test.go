package loaders

import (
	"reflect"
	"testing"
)

// TestFieldsEncoding: a mention's fields survive their stored form, the
// JSON of older loads still reads, and a damaged value is refused rather
// than read as something else.
func TestFieldsEncoding(t *testing.T) {
	f := fields{}
	f.put("email", obs{V: "zoë@example.com", F: 1735689600000})
	f.put("firstName", obs{V: "Zoë"})
	f.put("lastName", obs{V: "", F: -5})
	f.put("phone", obs{V: "+33 6 12 34 56 78", F: 1 << 50})
	got, err := decodeFields(f.encode())
	if err != nil || !reflect.DeepEqual(got, f) {
		t.Fatalf("round trip: %v %v, want %v", got, err, f)
	}
	if got, err := decodeFields(fields{}.encode()); err != nil || len(got) != 0 {
		t.Errorf("no fields: %v %v", got, err)
	}
	old, err := f.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decodeFields(old); err != nil || !reflect.DeepEqual(got, f) {
		t.Errorf("JSON of an older load: %v %v, want %v", got, err, f)
	}
	enc := f.encode()
	for _, bad := range [][]byte{nil, {7}, enc[:len(enc)-1], enc[:5], append(append([]byte{}, enc...), 0x80)} {
		if got, err := decodeFields(bad); err == nil {
			t.Errorf("%x read as %v", bad, got)
		}
	}
}
