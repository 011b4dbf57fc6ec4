package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/store"
)

// TestPullState: a saved state reads back the same inside the transaction
// and from the store, a rolled-back save leaves no trace, and a source
// never pulled reads as the zero state.
func TestPullState(t *testing.T) {
	db := feedtest.OpenDB(t)
	ctx := context.Background()
	at := time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)
	if st, err := db.PullState(ctx, "acme", "lp"); err != nil || st != (store.PullState{}) {
		t.Fatalf("never pulled: %+v, %v", st, err)
	}
	for _, want := range []store.PullState{
		{DoneTo: at, From: at, To: at.Add(time.Hour), Cursor: "next-page", Pages: 3, Saved: at.Add(time.Minute)},
		{DoneTo: at.Add(time.Hour), Saved: at.Add(2 * time.Minute)},
	} {
		err := db.Load(ctx, func(lt *store.LoadTx) error {
			if err := lt.SavePullState(ctx, "acme", "lp", want); err != nil {
				return err
			}
			got, err := lt.PullState(ctx, "acme", "lp")
			if err == nil && (!got.Same(want) || !got.Saved.Equal(want.Saved)) {
				t.Errorf("in the transaction: %+v, want %+v", got, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.PullState(ctx, "acme", "lp")
		if err != nil || !got.Same(want) || got.InProgress() != want.InProgress() {
			t.Errorf("read back %+v (%v), want %+v", got, err, want)
		}
	}
	boom := errors.New("boom")
	err := db.Load(ctx, func(lt *store.LoadTx) error {
		if err := lt.SavePullState(ctx, "acme", "lp", store.PullState{Cursor: "lost", Saved: at}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got, _ := db.PullState(ctx, "acme", "lp"); got.Cursor == "lost" {
		t.Error("a rolled-back save was kept")
	}
	if got, _ := db.PullState(ctx, "other", "lp"); got != (store.PullState{}) {
		t.Errorf("another tenant's source: %+v", got)
	}
}
