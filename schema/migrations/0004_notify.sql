-- Notifications of training companies about open exam registrations.
-- A company opts in with online_registration and names the address that
-- receives the mails in notification_email; the panel edits both.

ALTER TABLE companies ADD COLUMN online_registration BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE companies ADD COLUMN notification_email TEXT;

-- One row for each decision to notify a company about a registration, for
-- one reason (announce or remind). The primary key lets each decision be
-- made once, whichever instance or run tries. The row is written in the
-- transaction that queues the mail in the outbox; outbox_id is set before
-- that transaction commits. company_ident and email are the company and
-- address at the time of the decision.
CREATE TABLE exam_notifications (
    registration_number {{key}} NOT NULL,
    reason              TEXT NOT NULL,
    company_ident       {{key}} NOT NULL,
    email               TEXT NOT NULL,
    outbox_id           BIGINT REFERENCES outbox (id),
    created_at          {{ts}} NOT NULL,
    PRIMARY KEY (registration_number, reason)
);
CREATE INDEX exam_notifications_outbox_id_idx ON exam_notifications (outbox_id);
