package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"asta/schema"
	"asta/store"
)

// runResult counts what one run did with the mails it attempted.
type runResult struct {
	sent, retried, failed int
}

// Run sends every mail that is due, all over one SMTP connection that it
// opens only if a mail is due, and returns when none is left.
//
// A failure that concerns one mail marks that mail for retry or failed,
// and Run goes on with the next. Run returns an error when the outbox
// cannot be read or written, or when the connection cannot be opened or
// breaks. A broken connection marks the mail in flight for retry, and the
// mails not yet attempted stay due for the next run. Cancelling ctx
// closes the connection and stops Run.
//
// While an operator has paused outgoing mail, Run sends nothing.
//
// Without an SMTP host, Run writes the due mails into the mailbox folder
// instead and marks them sent. A folder that cannot be written ends the
// run with an error and leaves the mails due.
func (s *Sender) Run(ctx context.Context) error {
	pause, err := s.opts.Store.Paused(ctx, store.PauseMail)
	if err != nil {
		return fmt.Errorf("read mail pause: %w", err)
	}
	if pause != nil {
		s.log.Info("mail paused by an operator, run skipped")
		return nil
	}

	start := time.Now()
	var res runResult
	run := s.run
	if s.client == nil {
		run = s.runMailbox
	}
	err = run(ctx, &res)

	stats, serr := s.opts.Store.OutboxStats(context.WithoutCancel(ctx))
	if serr == nil {
		s.metrics.observeOutbox(stats, s.opts.Now())
	}
	err = errors.Join(err, serr)

	level := slog.LevelInfo
	if res == (runResult{}) && err == nil {
		level = slog.LevelDebug
	}
	s.log.Log(ctx, level, "mail run finished", "sent", res.sent, "retried", res.retried,
		"failed", res.failed, "duration_ms", time.Since(start).Milliseconds())
	return err
}

func (s *Sender) run(ctx context.Context, res *runResult) error {
	now := s.opts.Now()
	due, err := s.opts.Store.DueMails(ctx, now, s.opts.BatchSize)
	if err != nil || len(due) == 0 {
		return err
	}
	sess, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer sess.close()

	p := pacer{rate: s.opts.Rate, now: s.opts.Now, sleep: s.sleep}
	for len(due) > 0 {
		for i := range due {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := p.wait(ctx); err != nil {
				return err
			}
			if err := s.deliver(ctx, sess, &due[i], res); err != nil {
				return err
			}
		}
		// Mails marked for retry are due after now, so they are not read
		// again.
		due, err = s.opts.Store.DueMails(ctx, now, s.opts.BatchSize)
		if err != nil {
			return err
		}
	}
	return nil
}

// deliver sends m and records the outcome. It returns an error only if
// the run must stop.
func (s *Sender) deliver(ctx context.Context, sess *session, m *schema.OutboxMail, res *runResult) error {
	rcpt, err := parseAddress(m.Recipient)
	if err != nil {
		return s.fail(ctx, m, res, "invalid recipient: "+err.Error(), "invalid recipient address")
	}
	useUTF8 := rcpt.utf8 || s.from.utf8
	if useUTF8 && !sess.smtputf8 {
		return s.fail(ctx, m, res, noSMTPUTF8Text(m.Recipient, rcpt, s.opts.From), errNoSMTPUTF8.Error())
	}

	msg := buildMessage(m, s.from, rcpt, s.opts.Now())
	err = sess.send(s.from, rcpt, useUTF8, msg, s.opts.SendTimeout)
	if err == nil {
		if err := s.markSent(ctx, m, res); err != nil {
			return err
		}
		s.log.Debug("mail sent", "outbox_id", m.ID, "message_id", m.MessageID, "attempt", m.Attempts+1)
		return nil
	}

	var reply *textproto.Error
	if !errors.As(err, &reply) {
		// The connection is broken or timed out: no later mail can use it.
		return errors.Join(s.retry(ctx, m, res, err), fmt.Errorf("send mail %d: %w", m.ID, err))
	}
	switch {
	case reply.Code >= 500 && rejectsSender(err, reply):
		// The server refuses the sender or relaying itself, as for every
		// other mail: a configuration problem, not this mail's. The mail
		// waits, and the run stops so that no other mail fails for it.
		return errors.Join(s.retry(ctx, m, res, err),
			fmt.Errorf("send mail %d: the SMTP server rejects the sender or relaying: check the mail "+
				"configuration: %w", m.ID, err))
	case reply.Code >= 500:
		err = s.fail(ctx, m, res, err.Error(), logText(err))
	default:
		err = s.retry(ctx, m, res, err)
	}
	if err != nil {
		return err
	}
	return sess.reset()
}

// rejectsSender reports whether a permanent reply concerns the session
// rather than the mail: a rejected MAIL FROM, or a policy refusal
// (enhanced status 5.7.x, such as "relay access denied") of RCPT TO.
func rejectsSender(err error, reply *textproto.Error) bool {
	var cmd *commandError
	if !errors.As(err, &cmd) {
		return false
	}
	return cmd.command == "MAIL FROM" || cmd.command == "RCPT TO" && strings.HasPrefix(reply.Msg, "5.7.")
}

func noSMTPUTF8Text(recipient string, rcpt address, from string) string {
	if rcpt.utf8 {
		return fmt.Sprintf("recipient %q has a non-ASCII local part, which needs SMTPUTF8 (RFC 6531), "+
			"but the SMTP server does not offer SMTPUTF8", recipient)
	}
	return fmt.Sprintf("sender address %q has a non-ASCII local part, which needs SMTPUTF8 (RFC 6531), "+
		"but the SMTP server does not offer SMTPUTF8", from)
}

// The outcome of an attempt is recorded even when ctx is cancelled,
// because a mail that the server accepted must not be sent again.

func (s *Sender) markSent(ctx context.Context, m *schema.OutboxMail, res *runResult) error {
	if err := s.opts.Store.MarkMailSent(context.WithoutCancel(ctx), m.ID, s.opts.Now()); err != nil {
		// NOTE: the server or the mailbox folder has the mail; the next run
		// delivers it again, with the same Message-ID.
		return err
	}
	res.sent++
	s.metrics.sent.Inc()
	return nil
}

// fail marks m failed with dbText, which may name addresses, and logs
// logText, which must not.
func (s *Sender) fail(ctx context.Context, m *schema.OutboxMail, res *runResult, dbText, logText string) error {
	if err := s.opts.Store.MarkMailFailed(context.WithoutCancel(ctx), m.ID, dbText); err != nil {
		return err
	}
	res.failed++
	s.metrics.failed.Inc()
	s.log.Error("mail failed permanently", "outbox_id", m.ID, "message_id", m.MessageID,
		"attempt", m.Attempts+1, "error", logText)
	return nil
}

// retry marks m for another attempt after a temporary failure, or failed
// if it has had its attempts.
func (s *Sender) retry(ctx context.Context, m *schema.OutboxMail, res *runResult, cause error) error {
	attempt := m.Attempts + 1
	if attempt >= s.opts.MaxAttempts {
		return s.fail(ctx, m, res, fmt.Sprintf("gave up after %d attempts: %v", attempt, cause),
			fmt.Sprintf("gave up after %d attempts: %s", attempt, logText(cause)))
	}
	delay := backoff(s.opts.BaseBackoff, s.opts.MaxBackoff, attempt)
	next := s.opts.Now().Add(delay)
	if err := s.opts.Store.MarkMailRetry(context.WithoutCancel(ctx), m.ID, next, cause.Error()); err != nil {
		return err
	}
	res.retried++
	s.log.Warn("mail delivery failed, will retry", "outbox_id", m.ID, "message_id", m.MessageID,
		"attempt", attempt, "delay_ms", delay.Milliseconds(), "error", logText(cause))
	return nil
}

// backoff returns the delay after the attempt-th failed attempt: base
// doubled attempt-1 times, at most maxDelay.
func backoff(base, maxDelay time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// logText returns err's text without the SMTP server's reply text, which
// may quote addresses.
func logText(err error) string {
	var cmdErr *commandError
	var reply *textproto.Error
	if errors.As(err, &cmdErr) && errors.As(err, &reply) {
		return fmt.Sprintf("%s: SMTP reply %d", cmdErr.command, reply.Code)
	}
	return err.Error()
}

// pacer spaces mails so that no more than rate are sent per second.
type pacer struct {
	rate  float64
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	next  time.Time // earliest start of the next mail
}

// wait returns when the next mail may be sent.
func (p *pacer) wait(ctx context.Context) error {
	if p.rate <= 0 {
		return nil
	}
	interval := time.Duration(float64(time.Second) / p.rate)
	now := p.now()
	d := p.next.Sub(now)
	// A slow mail earns no credit for a burst after it.
	p.next = maxTime(p.next, now).Add(interval)
	if d <= 0 {
		return nil
	}
	return p.sleep(ctx, d)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// session is one SMTP connection, greeted, secured and authenticated.
type session struct {
	client   *smtp.Client
	smtputf8 bool        // the server offers SMTPUTF8
	broken   bool        // a command failed without a reply
	stop     func() bool // stops closing the connection when ctx is done
}

func (s *Sender) dial(ctx context.Context) (*session, error) {
	c, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		// NOTE: go-mail v0.8.1 leaves the connection open when the
		// greeting, STARTTLS or authentication fails. The garbage
		// collector closes it later.
		return nil, fmt.Errorf("connect to SMTP server %s: %w", serverAddr(s.opts), err)
	}
	utf8, _ := c.Extension("SMTPUTF8")
	sess := &session{client: c, smtputf8: utf8}
	sess.stop = context.AfterFunc(ctx, func() { _ = c.Close() })
	return sess, nil
}

// send runs one mail transaction from from to rcpt within timeout.
// useUTF8 requests SMTPUTF8 in the MAIL command. go-mail's client would
// request it whenever the server offers it, so the flag is set per mail.
func (ss *session) send(from, rcpt address, useUTF8 bool, msg *gomail.Msg, timeout time.Duration) error {
	c := ss.client
	if err := c.UpdateDeadline(timeout); err != nil {
		return ss.failed("MAIL FROM", err)
	}
	c.SkipSMTPUTF8(!useUTF8)
	if err := c.Mail(from.envelope()); err != nil {
		return ss.failed("MAIL FROM", err)
	}
	if err := c.Rcpt(rcpt.envelope()); err != nil {
		return ss.failed("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return ss.failed("DATA", err)
	}
	if _, err := msg.WriteTo(w); err != nil {
		return ss.failed("DATA", err)
	}
	if err := w.Close(); err != nil {
		return ss.failed("end of DATA", err)
	}
	return nil
}

// failed wraps err with the command that failed, and marks the session
// broken unless err is an SMTP reply.
func (ss *session) failed(command string, err error) error {
	var reply *textproto.Error
	if !errors.As(err, &reply) {
		ss.broken = true
	}
	return &commandError{command: command, err: err}
}

// reset ends a failed mail transaction so that the next one can start.
func (ss *session) reset() error {
	if err := ss.client.Reset(); err != nil {
		ss.broken = true
		return fmt.Errorf("reset SMTP transaction: %w", err)
	}
	return nil
}

// close ends the session with QUIT, or drops a broken connection.
func (ss *session) close() {
	ss.stop()
	if ss.broken {
		_ = ss.client.Close()
		return
	}
	_ = ss.client.Quit()
}

// commandError is an error of an SMTP command.
type commandError struct {
	command string
	err     error
}

func (e *commandError) Error() string { return e.command + ": " + e.err.Error() }

func (e *commandError) Unwrap() error { return e.err }
