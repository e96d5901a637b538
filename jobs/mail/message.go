package mail

import (
	"time"

	gomail "github.com/wneessen/go-mail"

	"asta/schema"
)

// userAgent is the User-Agent header of every mail, in place of the one
// that go-mail sets, which names go-mail.
const userAgent = "asta"

// buildMessage builds the MIME message of m from from to rcpt, dated
// date. The message is UTF-8; its headers are RFC 2047 encoded words and
// its parts quoted-printable, so that no line exceeds 76 characters.
// With an HTML body it is multipart/alternative with a plain-text part
// first.
func buildMessage(m *schema.OutboxMail, from, rcpt address, date time.Time) *gomail.Msg {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(from.header())
	msg.ToMailAddress(rcpt.header())
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(date)
	msg.SetUserAgent(userAgent)

	msg.SetBodyString(gomail.TypeTextPlain, m.TextBody)
	if m.HTMLBody != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTMLBody)
	}
	return msg
}
