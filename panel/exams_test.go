package panel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"asta/jobs/importer/importtest"
	"asta/schema"
)

func TestConfirmExamRegistration(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		b := f.verwalter
		b.get("/betrieb/0004711/pruefungen").want(t, http.StatusOK, `href="/betrieb/0004711/pruefungen/P-2027-0002"`)
		b.get("/betrieb/0004711/pruefungen/P-2027-0002").want(t, http.StatusOK, "Zoë", "AP1", "Herbst 2027",
			"15.05.2027", "Anmeldung bestätigen")

		// Both declarations are required.
		b.post("/betrieb/0004711/pruefungen/P-2027-0002", url.Values{"nachweise": {"J"}}).
			want(t, http.StatusUnprocessableEntity, "Einverständnis", `aria-invalid="true"`)
		r := b.post("/betrieb/0004711/pruefungen/P-2027-0002", url.Values{"nachweise": {"J"}, "zustimmung": {"J"}})
		r.want(t, http.StatusSeeOther)
		b.get(r.location()).want(t, http.StatusOK, "wartet auf die Kammer", "Bestätigt von Verwalter")
		b.post("/betrieb/0004711/pruefungen/P-2027-0002", url.Values{"nachweise": {"J"}, "zustimmung": {"J"}}).
			want(t, http.StatusUnprocessableEntity, "wartet nicht mehr")

		if !slices.Contains(h.auditActions(), "exam.confirmed") {
			t.Error("the confirmation is not in the audit log")
		}
		// The registration of a site is not the head company's.
		b.get("/betrieb/0004711/pruefungen/P-2027-0003").want(t, http.StatusNotFound)
		f.stranger.get("/betrieb/0004711/pruefungen/P-2027-0001").want(t, http.StatusNotFound)
		f.stranger.post("/betrieb/0004711/pruefungen/P-2027-0001", url.Values{"nachweise": {"J"},
			"zustimmung": {"J"}}).want(t, http.StatusNotFound)
		f.otherAdmin.get("/betrieb/0004711/pruefungen/P-2027-0001").want(t, http.StatusNotFound)
		// The Ausbilder of the trainee may confirm; other trainees' are hidden.
		f.ausbilder.get("/betrieb/0004711/pruefungen/P-2027-0001").want(t, http.StatusOK, "Anmeldung bestätigen")
	})
}

func TestConfirmExamAfterDeadline(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		newRoleFixture(t, h)
		h.clock.Advance(time.Until(time.Date(2027, 5, 16, 10, 0, 0, 0, berlin)))
		b := h.signIn("chef@mueller.example")
		b.get("/betrieb/0004711/pruefungen/P-2027-0002").want(t, http.StatusOK, "Anmeldefrist ist abgelaufen")
		b.post("/betrieb/0004711/pruefungen/P-2027-0002", url.Values{"nachweise": {"J"}, "zustimmung": {"J"}}).
			want(t, http.StatusUnprocessableEntity, "Anmeldefrist ist abgelaufen", "Prüfungsabteilung")
	})
}

func TestConfirmExamWarnsOfMissingAccount(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		f := newRoleFixture(t, h)
		acc := &schema.TraineeAccount{TraineeNumber: "Z-50002", Status: schema.AccountNone,
			StatusSince: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
		if _, err := h.db.NewInsert().Model(acc).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.headAdmin.get("/betrieb/0004711/pruefungen/P-2027-0002").want(t, http.StatusOK, "kein aktives Konto",
			"Anmeldung bestätigen")
		f.headAdmin.get("/betrieb/0004711/pruefungen/P-2027-0001").want(t, http.StatusOK)
		if strings.Contains(f.headAdmin.get("/betrieb/0004711/pruefungen/P-2027-0001").body, "kein aktives Konto") {
			t.Error("a trainee of unknown account status is shown as without account")
		}
	})
}

// TestImportStillOpenKeepsConfirmation imports a delta that still has
// OFFEN after the company confirmed, then one with the chamber's decision.
func TestImportStillOpenKeepsConfirmation(t *testing.T) {
	panelTest(t, func(t *testing.T, h *harness) {
		dbURL := h.dbURL
		f := newRoleFixture(t, h)
		f.headAdmin.post("/betrieb/0004711/pruefungen/P-2027-0002", url.Values{"nachweise": {"J"},
			"zustimmung": {"J"}}).want(t, http.StatusSeeOther)

		importtest.Import(t, h.db, dbURL, examDelta(t, "05.12.2026 03:00:00", "OFFEN"))
		f.headAdmin.get("/betrieb/0004711/pruefungen/P-2027-0002").want(t, http.StatusOK, "wartet auf die Kammer")

		importtest.Import(t, h.db, dbURL, examDelta(t, "05.12.2026 04:00:00", "ZUGELASSEN"))
		f.headAdmin.get("/betrieb/0004711/pruefungen/P-2027-0002").want(t, http.StatusOK, "zugelassen",
			"Bestätigt von Chefin")
	})
}

// examDelta writes a delta package created at the given time that brings
// registration P-2027-0002 with the status, and returns its folder.
func examDelta(t *testing.T, created, status string) string {
	t.Helper()
	dir := t.TempDir()
	data := "\ufeffAnmeldungsNr;Vertragsnummer;Pruefungsart;Zeitraum;Anmeldeschluss;Status\r\n" +
		"P-2027-0002;2025-000456;AP1;Herbst 2027;15.05.2027;" + status + "\r\n"
	sum := sha256.Sum256([]byte(data))
	control := "\ufeffExportart;Erstellt;Datei;Saetze;SHA256\r\n" +
		"DELTA;" + created + ";pruefungen.csv;1;" + hex.EncodeToString(sum[:]) + "\r\n"
	for name, content := range map[string]string{"pruefungen.csv": data, "steuerung.csv": control} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
