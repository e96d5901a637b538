-- Trainees whose personal data the retention job deleted: the key and the
-- day, so that a later full export that still lists an ended contract of
-- theirs does not bring the data back.
CREATE TABLE trainee_tombstones (
    trainee_number {{key}} PRIMARY KEY,
    deleted_on     DATE NOT NULL
);
