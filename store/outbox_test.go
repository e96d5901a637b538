package store_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"asta/schema"
	"asta/schema/dbtest"
	"asta/store"
)

func TestRequeueFailedMails(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st := store.New(db)
		m := &schema.OutboxMail{Recipient: "betrieb@example.de", Subject: "Test", TextBody: "Text"}
		if _, err := st.EnqueueMail(ctx, nil, m); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkMailFailed(ctx, m.ID, "550 relay denied"); err != nil {
			t.Fatal(err)
		}
		n, err := st.RequeueFailedMails(ctx)
		if err != nil || n != 1 {
			t.Fatalf("RequeueFailedMails = %d, %v; want 1", n, err)
		}
		var got schema.OutboxMail
		if err := db.NewSelect().Model(&got).Where("id = ?", m.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if got.State != schema.MailPending || got.Attempts != 0 {
			t.Errorf("mail after requeue: state %q, attempts %d; want pending, 0", got.State, got.Attempts)
		}
	})
}
