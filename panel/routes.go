package panel

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"asta/schema"
)

// routes is the panel's route table, grouped by page. Every route below
// the operations endpoints loads the visitor's session and checks the
// CSRF token of state-changing requests.
func (s *Server) routes(app *fiber.App) {
	metrics := promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{ErrorLog: slogAdapter{s.log}})
	app.Get("/healthz", healthz)
	app.Get("/readyz", readyz(s.opts.Ready))
	app.Get("/metrics", s.guardMetrics, adaptor.HTTPHandler(metrics))
	app.Get("/static/:file", s.serveStatic)

	web := app.Group("", s.loadSession, s.checkCSRF)
	web.Get("/", s.showHome)
	web.Get("/impressum", s.showLegal("legal.imprint", s.opts.Legal.Imprint, false))
	web.Get("/datenschutz", s.showLegal("legal.privacy", s.opts.Legal.Privacy, false))
	web.Get("/barrierefreiheit", s.showLegal("legal.accessibility", s.opts.Legal.Accessibility, true))

	// Registration, sign-in and links sent by mail: open to everyone.
	web.Get("/registrieren", s.showRegister)
	web.Post("/registrieren", s.register)
	web.Get("/bestaetigen", s.showConfirm)
	web.Post("/bestaetigen", s.confirm)
	web.Post("/bestaetigen/neu", s.resendConfirm)
	web.Get("/anmelden", s.showSignIn)
	web.Post("/anmelden", s.signIn)
	web.Post("/abmelden", s.signOut)
	web.Get("/passwort-vergessen", s.showForgot)
	web.Post("/passwort-vergessen", s.forgot)
	web.Get("/passwort-neu", s.showReset)
	web.Post("/passwort-neu", s.reset)
	web.Get("/email-bestaetigen", s.showConfirmEmail)
	web.Post("/email-bestaetigen", s.confirmEmail)

	// The second factor of operators, between password and console.
	web.Get("/anmelden/code", s.requireUser, s.showTOTP)
	web.Post("/anmelden/code", s.requireUser, s.checkTOTP)
	web.Get("/anmelden/authenticator", s.requireUser, s.showEnrol)
	web.Post("/anmelden/authenticator", s.requireUser, s.enrol)

	// Signed-in users.
	user := web.Group("", s.requireUser, s.requireSecondFactor)
	user.Get("/start", s.showStart)
	user.Get("/aktivieren", s.showActivate)
	user.Post("/aktivieren", s.activate)
	user.Get("/konto", s.showAccount)
	user.Post("/konto/passwort", s.changePassword)
	user.Post("/konto/email", s.changeEmail)
	user.Post("/konto/loeschen", s.deleteAccount)
	user.Get("/betriebe", s.showCompanies)

	// A company, for users with a role in it.
	company := user.Group("/betrieb/:ident", s.requireCompany)
	company.Get("", s.showCompany)
	company.Get("/import-status", s.showImportStatus)
	company.Get("/"+viewTrainees, requireView(viewTrainees), s.showTrainees)
	company.Get("/"+viewTrainers, requireView(viewTrainers), s.showTrainers)
	company.Get("/"+viewExams, requireView(viewExams), s.showExams)
	company.Get("/"+viewExams+"/:nr", requireView(viewExams), s.showExam)
	company.Post("/"+viewExams+"/:nr", requireView(viewExams), s.confirmExam)
	company.Get("/"+viewContracts, requireView(viewContracts), s.showContracts)
	company.Get("/"+viewSettings, requireView(viewSettings), s.showSettings)
	company.Post("/"+viewSettings, requireView(viewSettings), s.saveSettings)
	company.Get("/"+viewGrants, requireView(viewGrants), s.showGrants)
	company.Post("/"+viewGrants, requireView(viewGrants), s.addGrant)
	company.Post("/"+viewGrants+"/:grant", requireView(viewGrants), s.changeGrant)
	company.Post("/"+viewGrants+"/:grant/entziehen", requireView(viewGrants), s.revokeGrant)

	// Chamber operators.
	operator := user.Group("/konsole", s.requireOperator)
	operator.Get("", s.showConsole)
	operator.Post("/jobs/:job", s.runJob)
	operator.Post("/pause/:job", s.pauseJob)
	operator.Post("/pause/:job/aufheben", s.resumeJob)
	operator.Post("/zurueckgehalten/:package/freigeben", s.decideHold(schema.HoldConfirmed))
	operator.Post("/zurueckgehalten/:package/verwerfen", s.decideHold(schema.HoldDiscarded))
	operator.Get("/importe/:run", s.showRun)
	operator.Get("/importe/:run/status", s.showRunStatus)
	operator.Get("/importe/:run/abgelehnt.csv", s.downloadRejected)
	operator.Get("/postausgang", s.showOutbox)
	operator.Post("/postausgang/:mail/erneut", s.retryMail)
	operator.Post("/postausgang/:mail/verwerfen", s.discardMail)
	operator.Get("/betriebe", s.showConsoleCompanies)
	operator.Get("/betriebe/:ident", s.showConsoleCompany)
	operator.Post("/betriebe/:ident/code", s.issueCode)
	operator.Get("/anschreiben", s.showLetters)
	operator.Post("/anschreiben", s.makeLetters)
	operator.Get("/protokoll", s.showAudit)
}
