-- The outbox: every mail that asta sends, written in the transaction that
-- decides to send it and delivered later by the mail job (jobs/mail).
-- message_id is the Message-ID header without angle brackets; it stays the
-- same across attempts, so a mail delivered twice after a crash carries
-- one Message-ID. dedup_key, when set, records a decision to send once:
-- a second insert with the same key is ignored. Both dialects allow any
-- number of NULLs in a UNIQUE column.

CREATE TABLE outbox (
    id              {{id}},
    message_id      TEXT UNIQUE NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{ts}} NOT NULL,
    last_error      TEXT,
    created_at      {{ts}} NOT NULL,
    sent_at         {{ts}},
    dedup_key       TEXT UNIQUE
);
-- The mail job selects pending mails by next_attempt_at.
CREATE INDEX outbox_state_next_attempt_at_idx ON outbox (state, next_attempt_at);
