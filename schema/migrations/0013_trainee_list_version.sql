-- The version of the data that the trainee list shows. Every writer of
-- contracts, trainees, trainers, occupations, exam registrations, account
-- statuses or sort keys raises it in the same transaction, so that a panel
-- process may keep a company's list in memory while the version stays.
CREATE TABLE trainee_list_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO trainee_list_version (id, version) VALUES (1, 1);
