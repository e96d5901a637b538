package schema

// TombstonedSQL are the statements that delete every record naming a
// tombstoned trainee, in order. The import runs them in its transaction,
// so that a full export that still lists such a trainee's ended contract
// does not bring the data back.
var TombstonedSQL = []string{
	`DELETE FROM exam_confirmations WHERE contract_number IN (SELECT c.number FROM contracts c
		JOIN trainee_tombstones d ON d.trainee_number = c.trainee_number)`,
	`DELETE FROM exam_notifications WHERE registration_number IN (
		SELECT r.number FROM exam_registrations r JOIN contracts c ON c.number = r.contract_number
		JOIN trainee_tombstones d ON d.trainee_number = c.trainee_number)`,
	`DELETE FROM exam_registrations WHERE contract_number IN (SELECT c.number
		FROM contracts c JOIN trainee_tombstones d ON d.trainee_number = c.trainee_number)`,
	`DELETE FROM contracts WHERE trainee_number IN (SELECT trainee_number FROM trainee_tombstones)`,
	`DELETE FROM trainee_accounts WHERE trainee_number IN (SELECT trainee_number FROM trainee_tombstones)`,
	`DELETE FROM trainee_terms WHERE trainee_number IN (SELECT trainee_number FROM trainee_tombstones)`,
	`DELETE FROM sort_keys WHERE kind = 'trainee' AND number IN (SELECT trainee_number FROM trainee_tombstones)`,
	`DELETE FROM trainees WHERE number IN (SELECT trainee_number FROM trainee_tombstones)`,
}
