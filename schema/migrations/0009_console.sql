-- The operators' pause switches: a row pauses one job (mail or import)
-- until an operator resumes it, which deletes the row. The jobs read it
-- at the start of every run.
CREATE TABLE job_pauses (
    job       {{key}} PRIMARY KEY,
    reason    TEXT NOT NULL,
    paused_by BIGINT,
    paused_at {{ts}} NOT NULL
);

-- The console lists the audit log filtered by action and actor, newest
-- first.
CREATE INDEX audit_log_action_at_idx ON audit_log (action, at);
CREATE INDEX audit_log_actor_id_at_idx ON audit_log (actor_id, at);
