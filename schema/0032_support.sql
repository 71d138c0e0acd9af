-- 0032_support: questions to the library (support tickets) and the notice
-- that carries staff's answer.
--
-- A ticket is opened from /support by a member (account_id set) or by a
-- visitor who is not logged in (name and email kept on the ticket instead,
-- and the client's address, by which visitors are throttled). Its messages
-- are the thread: the question, staff's answers and the asker's follow-ups.
-- status: open (waits for staff), answered (staff wrote last), closed.

CREATE TABLE support_ticket (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER REFERENCES account(id) ON DELETE SET NULL,
  name        TEXT NOT NULL DEFAULT '',      -- a visitor's name ('' for a member)
  email       TEXT NOT NULL DEFAULT '' COLLATE NOCASE,   -- a visitor's address
  subject     TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed')),
  remote_addr TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX support_ticket_status ON support_ticket(status, updated_at);
CREATE INDEX support_ticket_account ON support_ticket(account_id, updated_at);
CREATE INDEX support_ticket_visitor ON support_ticket(remote_addr, created_at)
  WHERE account_id IS NULL;

CREATE TABLE support_message (
  id          INTEGER PRIMARY KEY,
  ticket_id   INTEGER NOT NULL REFERENCES support_ticket(id) ON DELETE CASCADE,
  author_id   INTEGER REFERENCES account(id) ON DELETE SET NULL,  -- NULL: the visitor
  from_staff  INTEGER NOT NULL DEFAULT 0 CHECK (from_staff IN (0, 1)),
  body        TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  created_at  INTEGER NOT NULL
);
CREATE INDEX support_message_ticket ON support_message(ticket_id, id);

-- How many tickets one client that is not logged in may open an hour.
INSERT INTO setting(key, value) VALUES ('support.visitor_per_hour', '5')
  ON CONFLICT(key) DO NOTHING;

-- Every kind also knows member_name, library_name and account_url. For a
-- visitor's ticket member_name is the name they gave and account_url the
-- support page.
INSERT INTO notice_template(kind, name, description, fields, subject, body_text, body_html, sms_text) VALUES
('support-answer', 'Answer to a question',
 'When a librarian answers a question asked on the support page (a visitor''s gets the email).',
 'subject answer ticket_url',
 'Re: {{subject}}',
 'Dear {{member_name}},

the library has answered your question "{{subject}}":

{{answer}}

You can read the whole conversation and reply here:
{{ticket_url}}

{{library_name}}
',
 '<p>Dear {{member_name}},</p>
<p>the library has answered your question <strong>{{subject}}</strong>:</p>
<blockquote><p>{{answer}}</p></blockquote>
<p><a href="{{ticket_url}}">Read the conversation and reply</a></p>
<p>{{library_name}}</p>
',
 '{{library_name}} answered your question "{{subject}}": {{ticket_url}}');

INSERT INTO notice_template_default(kind, subject, body_text, body_html, sms_text)
  SELECT kind, subject, body_text, body_html, sms_text FROM notice_template
  WHERE kind = 'support-answer';
