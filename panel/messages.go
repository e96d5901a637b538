package panel

import "fmt"

// msg returns the German text of the catalogue key, formatted with args
// where the text has verbs. An unknown key returns the key itself; a test
// checks that every key the templates and handlers use is here.
func msg(key string, args ...any) string {
	text, ok := messages[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(text, args...)
	}
	return text
}

// messages is the panel's German message catalogue: every text that users
// see, in pages and in mails. A key ending in ".hint" holds the help text
// of the form field with the key before it.
var messages = map[string]string{
	"app.name":    "Ausbildungsportal",
	"nav.skip":    "Zum Inhalt springen",
	"nav.label":   "Hauptnavigation",
	"nav.start":   "Start",
	"nav.console": "Konsole",
	"nav.account": "Mein Konto",
	"nav.signout": "Abmelden",

	"role.admin":     "Administrator",
	"role.verwalter": "Verwalter",
	"role.ausbilder": "Ausbilder",

	"form.email":            "E-Mail-Adresse",
	"form.password":         "Passwort",
	"form.email_invalid":    "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@betrieb.de.",
	"form.name_missing":     "Bitte geben Sie Ihren Namen ein.",
	"form.name_too_long":    "Der Name darf höchstens 200 Zeichen lang sein.",
	"form.password_short":   "Das Passwort muss mindestens 12 Zeichen lang sein.",
	"form.password_long":    "Das Passwort darf höchstens 256 Zeichen lang sein.",
	"form.password_common":  "Dieses Passwort ist zu verbreitet und leicht zu erraten. Bitte wählen Sie ein anderes.",
	"form.password_context": "Das Passwort darf nicht Ihren Namen oder Ihre E-Mail-Adresse enthalten.",
	"form.password_invalid": "Dieses Passwort kann nicht verwendet werden. Bitte wählen Sie ein anderes.",
	"form.rate_limited":     "Zu viele Versuche. Bitte warten Sie %d Minuten und versuchen Sie es dann erneut.",

	"register.title":         "Registrieren",
	"register.intro":         "Legen Sie ein Konto an. Danach schalten Sie Ihren Ausbildungsbetrieb mit der Identnummer und dem Aktivierungscode aus dem Brief Ihrer Kammer frei.",
	"register.name":          "Ihr Name",
	"register.password":      "Neues Passwort",
	"register.password.hint": "Mindestens 12 Zeichen. Ein Satz aus mehreren Wörtern ist leicht zu merken und schwer zu erraten.",
	"register.submit":        "Konto anlegen",
	"register.have_account":  "Sie haben schon ein Konto?",
	"register.sent_title":    "Bitte bestätigen Sie Ihre E-Mail-Adresse",
	"register.sent":          "Wir haben eine E-Mail an %s geschickt. Sie enthält einen Link, mit dem Sie Ihre Adresse bestätigen. Der Link gilt 24 Stunden.",
	"register.sent_hint":     "Keine E-Mail erhalten? Sehen Sie bitte auch im Spam-Ordner nach.",

	"confirm.title":      "E-Mail-Adresse bestätigen",
	"confirm.intro":      "Bitte bestätigen Sie Ihre E-Mail-Adresse mit einem Klick auf die Schaltfläche.",
	"confirm.submit":     "Adresse bestätigen",
	"confirm.done":       "Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden.",
	"confirm.resend":     "Neuen Link senden",
	"confirm.resent":     "Wir haben Ihnen einen neuen Link geschickt. Er gilt 24 Stunden.",
	"confirm.used":       "Dieser Link wurde bereits verwendet. Ihre Adresse ist bestätigt.",
	"link.expired":       "Dieser Link ist abgelaufen.",
	"link.used":          "Dieser Link wurde bereits verwendet.",
	"link.unknown":       "Dieser Link ist ungültig. Bitte prüfen Sie, ob Sie ihn vollständig aus der E-Mail übernommen haben.",
	"signin.title":       "Anmelden",
	"signin.submit":      "Anmelden",
	"signin.no_account":  "Noch kein Konto?",
	"signin.wrong":       "E-Mail-Adresse oder Passwort ist falsch.",
	"signin.unconfirmed": "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse mit dem Link aus unserer E-Mail. Ist der Link abgelaufen, können Sie sich erneut registrieren.",
	"signin.signed_out":  "Sie sind abgemeldet.",

	"forgot.title":  "Passwort vergessen",
	"forgot.intro":  "Geben Sie die E-Mail-Adresse Ihres Kontos ein. Wir schicken Ihnen einen Link, mit dem Sie ein neues Passwort festlegen.",
	"forgot.submit": "Link anfordern",
	"forgot.sent":   "Wir haben eine E-Mail an %s geschickt. Der Link darin gilt eine Stunde.",
	"reset.title":   "Neues Passwort festlegen",
	"reset.submit":  "Passwort speichern",
	"reset.done":    "Ihr neues Passwort ist gespeichert. Alle bisherigen Anmeldungen wurden beendet.",
	"reset.again":   "Neuen Link anfordern",

	"confirm_email.title":   "Neue E-Mail-Adresse bestätigen",
	"confirm_email.intro":   "Bitte bestätigen Sie Ihre neue E-Mail-Adresse mit einem Klick auf die Schaltfläche.",
	"confirm_email.submit":  "Neue Adresse bestätigen",
	"confirm_email.done":    "Ihre neue E-Mail-Adresse ist gespeichert. Melden Sie sich künftig mit ihr an.",
	"confirm_email.taken":   "Diese Adresse gehört inzwischen zu einem anderen Konto. Ihre bisherige Adresse bleibt gültig.",
	"confirm_email.expired": "Dieser Link ist abgelaufen. Bitte ändern Sie die Adresse in Ihrem Konto erneut.",

	"activate.title":         "Betrieb freischalten",
	"activate.intro":         "Geben Sie die Identnummer Ihres Betriebs und den Aktivierungscode aus dem Brief Ihrer Kammer ein. Sie werden damit Administrator des Betriebs.",
	"activate.ident":         "Identnummer",
	"activate.code":          "Aktivierungscode",
	"activate.code.hint":     "Wie im Brief, zum Beispiel K7QM-2XHD-9PLA. Groß- und Kleinschreibung, Bindestriche und Leerzeichen spielen keine Rolle.",
	"activate.submit":        "Freischalten",
	"activate.ident_missing": "Bitte geben Sie die Identnummer ein.",
	"activate.code_missing":  "Bitte geben Sie den Aktivierungscode ein.",
	"activate.wrong":         "Identnummer und Aktivierungscode passen nicht zusammen. Bitte prüfen Sie beide Angaben im Brief Ihrer Kammer.",
	"activate.locked":        "Zu viele falsche Versuche. Sie können es ab %s Uhr wieder versuchen (in %d Minuten).",
	"activate.already":       "Dieser Betrieb ist bereits freigeschaltet. Bitten Sie einen Administrator Ihres Betriebs, Ihnen unter „Berechtigungen verwalten“ eine Rolle zu geben. Kennen Sie keinen, hilft Ihnen Ihre Kammer weiter.",
	"company.activated":      "Ihr Betrieb ist freigeschaltet. Sie sind jetzt Administrator.",
	"company.ident":          "Identnummer",
	"company.your_role":      "Ihre Rolle:",
	"company.inherited":      "über den Hauptbetrieb",
	"company.deleted":        "von der Kammer gelöscht",
	"company.trainees":       "Auszubildende in laufenden Verträgen",
	"company.trainers":       "Ausbilder",
	"company.open_exams":     "Offene Prüfungsanmeldungen",
	"company.next_deadline":  "nächste Frist",
	"company.data_as_of":     "Stand der Daten: %s",
	"company.no_import":      "Die Kammer hat noch keine Daten übermittelt.",
	"company.import_running": "Die Daten werden gerade aus dem System der Kammer aktualisiert. Die Seite lädt neu, sobald die Aktualisierung abgeschlossen ist.",
	"company.import_elapsed": "Laufzeit bisher: %s.",

	"account.title":            "Mein Konto",
	"account.password_title":   "Passwort ändern",
	"account.current":          "Aktuelles Passwort",
	"account.current_wrong":    "Das aktuelle Passwort ist falsch.",
	"account.password_submit":  "Passwort ändern",
	"account.password_changed": "Ihr Passwort ist geändert. Ihre Anmeldungen auf anderen Geräten wurden beendet.",
	"account.email_title":      "E-Mail-Adresse ändern",
	"account.new_email":        "Neue E-Mail-Adresse",
	"account.email_submit":     "Bestätigungslink senden",
	"account.email_sent":       "Wir haben einen Bestätigungslink an die neue Adresse geschickt. Bis Sie ihn öffnen, gilt Ihre bisherige Adresse.",
	"account.delete_title":     "Konto löschen",
	"account.delete_intro":     "Ihr Konto und Ihre Rollen in allen Betrieben werden gelöscht. Das lässt sich nicht rückgängig machen.",
	"account.delete_submit":    "Konto endgültig löschen",
	"account.last_admin":       "Sie sind der einzige Administrator des Betriebs %s. Geben Sie zuerst einer anderen Person die Rolle Administrator.",
	"account.deleted_title":    "Konto gelöscht",
	"account.deleted":          "Ihr Konto ist gelöscht.",

	"totp.title":       "Sicherheitscode",
	"totp.intro":       "Geben Sie den sechsstelligen Code aus Ihrer Authenticator-App ein.",
	"totp.code":        "Code",
	"totp.submit":      "Bestätigen",
	"totp.wrong":       "Der Code ist falsch oder abgelaufen.",
	"enrol.title":      "Authenticator einrichten",
	"enrol.intro":      "Als Mitarbeiterin oder Mitarbeiter der Kammer melden Sie sich mit einem zweiten Faktor an. Scannen Sie den QR-Code mit einer Authenticator-App und geben Sie den angezeigten Code ein.",
	"enrol.qr_alt":     "QR-Code zum Einrichten der Authenticator-App",
	"enrol.secret":     "Oder geben Sie diesen Schlüssel von Hand ein:",
	"enrol.submit":     "Einrichten",
	"console.title":    "Konsole der Kammer",
	"console.runs":     "Letzte Importläufe",
	"console.package":  "Paket",
	"console.started":  "Beginn",
	"console.outcome":  "Ergebnis",
	"console.records":  "Datensätze",
	"console.rejected": "Abgewiesen",
	"console.no_runs":  "Noch keine Importläufe.",

	"error.title":     "Das hat nicht geklappt",
	"error.home":      "Zur Startseite",
	"error.internal":  "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.",
	"error.csrf":      "Das Formular ist abgelaufen oder kam nicht von dieser Seite. Bitte laden Sie die Seite neu und senden Sie es erneut.",
	"error.status":    "Die Anfrage konnte nicht bearbeitet werden.",
	"error.not_found": "Diese Seite gibt es nicht, oder Sie haben keinen Zugriff darauf.",
	"error.too_large": "Die gesendeten Daten sind zu groß.",

	"mail.confirm.subject": "Bitte bestätigen Sie Ihre E-Mail-Adresse",
	"mail.confirm.body": `Guten Tag %s,

bitte bestätigen Sie Ihre E-Mail-Adresse für das Ausbildungsportal.
Öffnen Sie dazu diesen Link und klicken Sie auf „Adresse bestätigen“:

%s

Der Link gilt 24 Stunden und nur einmal. Haben Sie sich nicht
registriert, können Sie diese E-Mail ignorieren.
`,
	"mail.already_registered.subject": "Ihr Konto im Ausbildungsportal",
	"mail.already_registered.body": `Guten Tag %s,

jemand wollte sich mit dieser E-Mail-Adresse im Ausbildungsportal
registrieren. Sie haben hier aber schon ein Konto. Haben Sie Ihr
Passwort vergessen, legen Sie hier ein neues fest:

%s

Waren Sie es nicht, können Sie diese E-Mail ignorieren.
`,
	"mail.no_account.subject": "Passwort zurücksetzen im Ausbildungsportal",
	"mail.no_account.body": `Guten Tag,

jemand wollte das Passwort zu dieser E-Mail-Adresse im
Ausbildungsportal zurücksetzen. Zu dieser Adresse gibt es aber kein
Konto. Vielleicht haben Sie sich mit einer anderen Adresse registriert.
Ein neues Konto legen Sie hier an:

%s

Waren Sie es nicht, können Sie diese E-Mail ignorieren.
`,
	"mail.reset.subject": "Neues Passwort für das Ausbildungsportal",
	"mail.reset.body": `Guten Tag %s,

mit diesem Link legen Sie ein neues Passwort fest:

%s

Der Link gilt eine Stunde und nur einmal. Haben Sie kein neues
Passwort angefordert, können Sie diese E-Mail ignorieren; Ihr
bisheriges Passwort bleibt gültig.
`,
	"mail.email_change.subject": "Bitte bestätigen Sie Ihre neue E-Mail-Adresse",
	"mail.email_change.body": `Guten Tag %s,

bitte bestätigen Sie diese Adresse als neue Anmeldeadresse im
Ausbildungsportal:

%s

Der Link gilt 24 Stunden und nur einmal.
`,
	"mail.email_change_notice.subject": "Ihre E-Mail-Adresse im Ausbildungsportal wird geändert",
	"mail.email_change_notice.body": `Guten Tag %s,

für Ihr Konto im Ausbildungsportal wurde die neue Adresse %s
angegeben. Sobald sie bestätigt ist, melden Sie sich mit ihr an.

Waren Sie das nicht, ändern Sie bitte sofort Ihr Passwort und wenden
Sie sich an Ihre Kammer.
`,

	"nav.company":          "Betrieb",
	"nav.switch_company":   "Betrieb wechseln",
	"legal.imprint":        "Impressum",
	"legal.privacy":        "Datenschutzerklärung",
	"legal.accessibility":  "Erklärung zur Barrierefreiheit",
	"legal.report_title":   "Barriere melden",
	"legal.report_text":    "Ist Ihnen eine Barriere auf diesen Seiten aufgefallen? Schreiben Sie uns, welche Seite und was nicht funktioniert:",
	"company.address":      "Anschrift laut Kammer",
	"company.suspended":    "Die Kammer hat diesen Betrieb gelöscht. Die Rollen in diesem Betrieb ruhen, und seine Daten werden nicht mehr angezeigt.",
	"tiles.label":          "Bereiche des Betriebs",
	"tiles.settings":       "Einstellungen",
	"tiles.settings_text":  "Online-Prüfungsanmeldung und Benachrichtigungsadresse",
	"tiles.grants":         "Berechtigungen verwalten",
	"tiles.grants_text":    "Rollen an Kolleginnen und Kollegen vergeben",
	"tiles.trainees":       "Auszubildende",
	"tiles.trainees_text":  "Verträge, Prüfungen und Kontostatus",
	"tiles.trainers":       "Ausbilder",
	"tiles.trainers_text":  "Ausbilder und ihre Auszubildenden",
	"tiles.exams":          "Prüfungsanmeldungen",
	"tiles.exams_text":     "Anmeldungen mit Frist und Stand",
	"tiles.companies":      "Betriebe",
	"tiles.companies_text": "Alle Betriebe, die Sie verwalten",
	"tiles.contracts":      "Vertragsmanagement",
	"tiles.contracts_text": "Ausbildungsverträge online",

	"account_status.active":   "aktiv",
	"account_status.invited":  "kein aktives Konto (eingeladen)",
	"account_status.locked":   "kein aktives Konto (gesperrt)",
	"account_status.none":     "kein Konto",
	"account_status.unknown":  "unbekannt",
	"contract.EINGETRAGEN":    "laufend",
	"contract.BEENDET":        "beendet",
	"contract.GELOEST":        "gelöst",
	"exam.OFFEN":              "offen, wartet auf den Betrieb",
	"exam.BETRIEB_BESTAETIGT": "vom Betrieb bestätigt",
	"exam.EINGEREICHT":        "eingereicht",
	"exam.ZUGELASSEN":         "zugelassen",
	"exam.ABGELEHNT":          "abgelehnt",

	"trainees.title":             "Auszubildende",
	"trainees.search":            "Suche nach Name oder Azubi-Nummer",
	"trainees.search_hint":       "Findet den Anfang jedes Namensteils, zum Beispiel „heide“ für „von der Heide“. Umlaute dürfen Sie auch als ae, oe, ue schreiben.",
	"trainees.filter_status":     "Verträge",
	"trainees.status_running":    "laufende",
	"trainees.status_ended":      "beendete",
	"trainees.status_all":        "alle",
	"trainees.filter_occupation": "Beruf",
	"trainees.filter_trainer":    "Ausbilder",
	"trainees.filter_account":    "Konto im Azubi-Portal",
	"trainees.filter_search":     "Suche",
	"trainees.any":               "alle",
	"trainees.account_active":    "aktives Konto",
	"trainees.account_inactive":  "ohne aktives Konto",
	"trainees.apply":             "Anzeigen",
	"trainees.active_filters":    "Aktive Filter:",
	"trainees.remove_filter":     "entfernen",
	"trainees.reset":             "Alle Filter zurücksetzen",
	"trainees.col_name":          "Name",
	"trainees.col_occupation":    "Beruf",
	"trainees.col_start":         "Beginn",
	"trainees.col_end":           "Ende",
	"trainees.col_trainer":       "Ausbilder",
	"trainees.col_exams":         "Prüfungen",
	"trainees.col_account":       "Konto",
	"trainees.number":            "Azubi-Nr.",
	"trainees.exams_open":        "%d offen",
	"trainees.pages":             "Seiten",
	"trainees.page":              "Seite %d",
	"trainees.prev":              "Vorherige Seite",
	"trainees.next":              "Nächste Seite",
	"trainees.empty":             "Es gibt keine laufenden Verträge.",
	"trainees.empty_filtered":    "Kein Vertrag passt zu den aktiven Filtern oben.",

	"trainers.title":       "Ausbilder",
	"trainers.left":        "ausgeschieden",
	"trainers.number":      "Nr.",
	"trainers.aptitude":    "Eignung seit %s",
	"trainers.no_trainees": "Keine laufenden Verträge.",
	"trainers.empty":       "Für diesen Betrieb sind keine Ausbilder eingetragen.",

	"exams.title":      "Prüfungsanmeldungen",
	"exams.deadline":   "Frist",
	"exams.status":     "Stand",
	"exams.trainee":    "Auszubildende(r)",
	"exams.occupation": "Beruf",
	"exams.exam":       "Prüfung",
	"exams.period":     "Termin",
	"exams.empty":      "Es gibt keine Prüfungsanmeldungen.",

	"contracts.title":         "Vertragsmanagement",
	"contracts.intro":         "Ausbildungsverträge schließen und ändern Sie im Vertragsmanagement der Kammer.",
	"contracts.open":          "Zum Vertragsmanagement",
	"contracts.disabled":      "Das Vertragsmanagement ist noch nicht freigeschaltet.",
	"contracts.disabled_hint": "Ihre Kammer schaltet diesen Dienst später frei. Bis dahin reichen Sie Verträge bitte wie bisher bei der Kammer ein.",

	"companies.title":   "Betriebe",
	"companies.company": "Betrieb",
	"companies.role":    "Ihre Rolle",
	"companies.empty":   "Sie haben noch in keinem Betrieb eine Rolle.",

	"settings.title":          "Einstellungen",
	"settings.online":         "Online-Prüfungsanmeldung",
	"settings.online_hint":    "Ist sie eingeschaltet, bestätigen Sie Prüfungsanmeldungen hier im Portal und erhalten E-Mails zu offenen Anmeldungen.",
	"settings.on":             "eingeschaltet",
	"settings.off":            "ausgeschaltet",
	"settings.address":        "Benachrichtigungsadresse",
	"settings.address_hint":   "An diese Adresse schicken wir die E-Mails zu offenen Prüfungsanmeldungen. Wählen Sie eine bekannte Adresse oder „andere Adresse“.",
	"settings.no_address":     "keine",
	"settings.other":          "andere Adresse (unten eingeben)",
	"settings.typed":          "Andere Adresse",
	"settings.save":           "Speichern",
	"settings.saved":          "Die Einstellungen sind gespeichert.",
	"settings.choose":         "Bitte wählen Sie eine Adresse aus der Liste.",
	"settings.email_required": "Für die Online-Prüfungsanmeldung brauchen wir eine Benachrichtigungsadresse.",

	"address.missing":        "Bitte geben Sie eine E-Mail-Adresse ein.",
	"address.space":          "Die Adresse darf keine Leerzeichen enthalten.",
	"address.no_at":          "Der Adresse fehlt das @-Zeichen, zum Beispiel name@betrieb.de.",
	"address.many_at":        "Die Adresse darf nur ein @-Zeichen enthalten.",
	"address.quoted":         "Adressen mit Anführungszeichen oder Backslash werden nicht unterstützt.",
	"address.local_missing":  "Vor dem @ fehlt der Name des Postfachs.",
	"address.local_long":     "Der Teil vor dem @ darf höchstens 64 Zeichen lang sein.",
	"address.local_chars":    "Der Teil vor dem @ enthält ein Zeichen, das in E-Mail-Adressen nicht erlaubt ist.",
	"address.dots":           "Ein Punkt darf nicht am Anfang oder Ende des Teils vor dem @ stehen und nicht doppelt vorkommen.",
	"address.domain_missing": "Nach dem @ fehlt die Domain, zum Beispiel betrieb.de.",
	"address.domain_no_dot":  "Die Domain nach dem @ braucht eine Endung, zum Beispiel .de.",
	"address.domain_invalid": "Die Domain nach dem @ ist ungültig.",
	"address.ip_literal":     "Statt einer IP-Adresse geben Sie bitte eine Domain an, zum Beispiel betrieb.de.",
	"address.too_long":       "Die Adresse darf höchstens 254 Zeichen lang sein.",

	"grants.title":           "Berechtigungen verwalten",
	"grants.list":            "Personen mit einer Rolle im Betrieb",
	"grants.person":          "Person",
	"grants.role":            "Rolle",
	"grants.actions":         "Ändern",
	"grants.pending":         "Einladung offen",
	"grants.as_trainer":      "als Ausbilder %s",
	"grants.new_role_for":    "Neue Rolle für %s",
	"grants.trainer_for":     "Ausbilder-Eintrag für %s",
	"grants.no_trainer":      "kein Ausbilder-Eintrag",
	"grants.change":          "Rolle ändern",
	"grants.revoke":          "Rolle entziehen",
	"grants.add_title":       "Rolle vergeben",
	"grants.add":             "Rolle vergeben",
	"grants.trainer_record":  "Ausbilder-Eintrag (nur für die Rolle Ausbilder)",
	"grants.trainer_hint":    "Eine Person mit der Rolle Ausbilder sieht die Auszubildenden, deren Vertrag diesen Ausbilder nennt.",
	"grants.trainer_missing": "Für die Rolle Ausbilder wählen Sie bitte den Ausbilder-Eintrag dieses Betriebs.",
	"grants.role_invalid":    "Bitte wählen Sie eine Rolle.",
	"grants.exists":          "Diese Person hat in diesem Betrieb schon eine Rolle. Ändern Sie sie in der Liste oben.",
	"grants.last_admin":      "Der Betrieb braucht mindestens einen Administrator. Geben Sie zuerst einer anderen Person die Rolle Administrator.",
	"grants.done_added":      "Die Rolle ist vergeben. Wir haben die Person per E-Mail benachrichtigt.",
	"grants.done_changed":    "Die Rolle ist geändert.",
	"grants.done_revoked":    "Die Rolle ist entzogen.",
	"grants.audit_title":     "Protokoll",
	"grants.audit_at":        "Zeit",
	"grants.audit_actor":     "Person",
	"grants.audit_action":    "Vorgang",
	"grants.audit_detail":    "Einzelheiten",
	"grants.audit_empty":     "Noch keine Einträge.",

	"audit.system":                       "Ausbildungsportal",
	"audit.deleted_user":                 "gelöschtes Konto",
	"audit.activation.succeeded":         "Betrieb freigeschaltet",
	"audit.activation.wrong_code":        "falscher Aktivierungscode",
	"audit.activation.locked":            "Freischaltung gesperrt",
	"audit.activation.already_activated": "Freischaltung eines bereits freigeschalteten Betriebs",
	"audit.activation.already_granted":   "Freischaltung mit bestehender Rolle",
	"audit.company.settings_changed":     "Einstellungen geändert",
	"audit.grant.added":                  "Rolle vergeben",
	"audit.grant.changed":                "Rolle geändert",
	"audit.grant.revoked":                "Rolle entzogen",

	"mail.granted.subject": "Neue Rolle im Ausbildungsportal",
	"mail.granted.body": `Guten Tag,

Sie haben im Ausbildungsportal für den Betrieb %s die Rolle %s
erhalten. Sie finden den Betrieb hier:

%s
`,
	"mail.invitation.subject": "Einladung in das Ausbildungsportal",
	"mail.invitation.body": `Guten Tag,

Sie wurden eingeladen, im Ausbildungsportal für den Betrieb %s mit der
Rolle %s mitzuarbeiten. Registrieren Sie sich dazu mit dieser
E-Mail-Adresse:

%s

Nach der Bestätigung Ihrer Adresse steht Ihnen der Betrieb zur
Verfügung.
`,

	"exam.title":               "Prüfungsanmeldung",
	"exam.waiting_for_chamber": "vom Betrieb bestätigt, wartet auf die Kammer",
	"exam.confirmed_by":        "Bestätigt von %s am %s.",
	"exam.confirmed_notice":    "Die Anmeldung ist bestätigt. Die Kammer erhält Ihre Bestätigung mit der nächsten Rückmeldung.",
	"exam.no_account":          "Diese(r) Auszubildende hat kein aktives Konto im Azubi-Portal und kann den eigenen Teil der Anmeldung deshalb nicht online erledigen. Bitte sprechen Sie die Person an.",
	"exam.confirm_legend":      "Der Betrieb bestätigt",
	"exam.record_book":         "Die Ausbildungsnachweise (Berichtshefte) wurden ordnungsgemäß geführt.",
	"exam.consent":             "Die oder der Auszubildende ist mit der Anmeldung zur Prüfung einverstanden.",
	"exam.submit":              "Anmeldung bestätigen",
	"exam.record_book_missing": "Bitte bestätigen Sie, dass die Ausbildungsnachweise geführt wurden.",
	"exam.consent_missing":     "Bitte bestätigen Sie das Einverständnis der oder des Auszubildenden.",
	"exam.not_open":            "Diese Anmeldung wartet nicht mehr auf eine Bestätigung des Betriebs.",
	"exam.past_due":            "Die Anmeldefrist ist abgelaufen. Eine Bestätigung ist online nicht mehr möglich; bitte wenden Sie sich an %s.",
	"exam.back":                "Zurück zu den Prüfungsanmeldungen",
	"audit.exam.confirmed":     "Prüfungsanmeldung bestätigt",
}
