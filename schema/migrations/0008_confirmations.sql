-- A company's confirmation of an exam registration, made in the panel and
-- reported back to the chamber's core system in a return file. A
-- registration is confirmed once. return_file names the file the
-- confirmation was assigned to before the file was written; reported_at is
-- set once that file is complete in the return folder. A confirmation
-- with return_file set and reported_at NULL belongs to a file whose
-- writing was interrupted: the next run writes that file again with the
-- same confirmations.
CREATE TABLE exam_confirmations (
    registration_number {{key}} PRIMARY KEY,
    contract_number     {{key}} NOT NULL,
    company_ident       {{key}} NOT NULL,
    user_id             BIGINT,
    confirmed_by        TEXT NOT NULL,
    confirmed_at        {{ts}} NOT NULL,
    record_book         BOOLEAN NOT NULL,
    trainee_consent     BOOLEAN NOT NULL,
    return_file         TEXT,
    reported_at         {{ts}}
);
CREATE INDEX exam_confirmations_return_file_idx ON exam_confirmations (return_file, reported_at);
