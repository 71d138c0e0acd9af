-- 0023_ebook_notices: the notices of e-book loans (granted, rejected,
-- revoked, expired, returned, and the reminder that access ends soon), the
-- reminder's days setting and the auto-grant setting. Their texts appear on
-- /admin/notices for editing, and can be restored to these.

INSERT INTO setting(key, value) VALUES
  ('notices.ebook_expiry_days', '2'),   -- days before access to an e-book ends
  ('ebooks.auto_grant', '0')            -- 1: requests are granted at once
  ON CONFLICT(key) DO NOTHING;

-- Every kind also knows member_name, library_name and account_url.
INSERT INTO notice_template(kind, name, description, fields, subject, body_text, body_html, sms_text) VALUES
('ebook-granted', 'E-book granted',
 'When a librarian (or the auto-grant setting) grants a member''s e-book request.',
 'title until days read_url',
 'Ready to read: {{title}}',
 'Dear {{member_name}},

your request for the e-book {{title}} was granted. You can read it until {{until}} ({{days}} day(s)):
{{read_url}}

When you have finished, you can return it early from your account.

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p>your request for the e-book <strong>{{title}}</strong> was granted. You can read it until <strong>{{until}}</strong> ({{days}} day(s)).</p>
<p><a href="{{read_url}}">Read {{title}}</a></p>
<p>When you have finished, you can return it early from <a href="{{account_url}}">your account</a>.</p>
<p>{{library_name}}</p>
',
 '{{library_name}}: your e-book {{title}} is ready to read until {{until}}. {{read_url}}'),

('ebook-rejected', 'E-book request turned down',
 'When a librarian turns down a member''s e-book request, with the reason.',
 'title reason',
 'Request turned down: {{title}}',
 'Dear {{member_name}},

we could not grant your request for the e-book {{title}}. The reason: {{reason}}

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p>we could not grant your request for the e-book <strong>{{title}}</strong>. The reason: {{reason}}</p>
<p>{{library_name}}<br><a href="{{account_url}}">Your account</a></p>
',
 '{{library_name}}: your request for the e-book {{title}} was turned down: {{reason}}'),

('ebook-revoked', 'E-book access ended by the library',
 'When a librarian ends a member''s access to an e-book before its time, with the reason.',
 'title reason',
 'Access ended: {{title}}',
 'Dear {{member_name}},

the library has ended your access to the e-book {{title}}. The reason: {{reason}}

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p>the library has ended your access to the e-book <strong>{{title}}</strong>. The reason: {{reason}}</p>
<p>{{library_name}}<br><a href="{{account_url}}">Your account</a></p>
',
 '{{library_name}}: your access to the e-book {{title}} was ended: {{reason}}'),

('ebook-expired', 'E-book access ended',
 'When the time of an e-book loan runs out.',
 'title until',
 'Your e-book loan has ended: {{title}}',
 'Dear {{member_name}},

your access to the e-book {{title}} ended on {{until}}. You are welcome to request it again.

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p>your access to the e-book <strong>{{title}}</strong> ended on {{until}}. You are welcome to request it again.</p>
<p>{{library_name}}<br><a href="{{account_url}}">Your account</a></p>
',
 '{{library_name}}: your e-book loan of {{title}} ended on {{until}}.'),

('ebook-returned', 'E-book returned',
 'A receipt when a member returns an e-book early.',
 'title day',
 'Returned: {{title}}',
 'Dear {{member_name}},

thank you: you returned the e-book {{title}} on {{day}}. It no longer counts towards your e-book loans.

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p>thank you: you returned the e-book <strong>{{title}}</strong> on {{day}}. It no longer counts towards your e-book loans.</p>
<p>{{library_name}}<br><a href="{{account_url}}">Your account</a></p>
',
 '{{library_name}}: you returned the e-book {{title}} on {{day}}.'),

('ebook-expiring', 'E-book access ending soon',
 'A few days before access to an e-book ends (the days are a setting).',
 'title until days read_url',
 'Access ends {{until}}: {{title}}',
 'Dear {{member_name}},

your access to the e-book {{title}} ends on {{until}}, in {{days}} day(s). Read it here until then:
{{read_url}}

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p>your access to the e-book <strong>{{title}}</strong> ends on <strong>{{until}}</strong>, in {{days}} day(s).</p>
<p><a href="{{read_url}}">Read {{title}}</a></p>
<p>{{library_name}}<br><a href="{{account_url}}">Your account</a></p>
',
 '{{library_name}}: your e-book {{title}} can be read until {{until}}.');

INSERT INTO notice_template_default(kind, subject, body_text, body_html, sms_text)
  SELECT kind, subject, body_text, body_html, sms_text FROM notice_template
  WHERE kind IN ('ebook-granted', 'ebook-rejected', 'ebook-revoked', 'ebook-expired',
                 'ebook-returned', 'ebook-expiring');
