"""Test helpers that receive what Carrel sends: a real SMTP server
(Debian's python3-aiosmtpd) and a small HTTP receiver in the form of an SMS
gateway (Twilio's form fields), both on loopback.

    from mailbox import Mailbox, SmsReceiver

    with Mailbox() as mb, SmsReceiver() as sms:
        stack = Stack(CARREL_SMTP_URL=mb.url, CARREL_SMS_URL=sms.url,
                      CARREL_SMS_USER="AC1", CARREL_SMS_TOKEN="secret")
        ...
        mb.wait_for(2)                 # at least 2 messages, or AssertionError
        m = mb.messages[0]
        m.to, m.subject, m.text, m.html, m.raw, m.rcpt_tos, m.msg["Date"]
        mb.connections                 # SMTP connections that said EHLO/HELO
        mb.stop(); ...; mb.start()     # the server down, then back (same port)
        sms.wait_for(1); sms.messages[0].to, .sender, .body, .user, .password
        sms.fail_next(3, status=500)   # the next 3 requests answer 500

Mailbox(user=..., password=...) requires AUTH (LOGIN or PLAIN) before MAIL;
Mailbox(refuse={"x@example.org"}) answers 550 to that recipient;
Mailbox(starttls=True) offers STARTTLS with a self-signed certificate for
127.0.0.1 and localhost (mb.cert_path, to give the client as its CA) and
requires it before MAIL.
"""
import base64
import email
import email.policy
import http.server
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import warnings

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, AuthResult
except ImportError:
    # Debian's python3-aiosmtpd is installed for the system's python3; a
    # python3 found first on PATH (another installation, a venv) does not
    # look there.
    sys.path.append("/usr/lib/python3/dist-packages")
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, AuthResult

# AUTH without TLS is what a loopback test server wants: no warnings for it.
warnings.filterwarnings("ignore", module="aiosmtpd")
logging.getLogger("mail.log").setLevel(logging.CRITICAL)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(what, count, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if count() >= what:
            return
        time.sleep(0.05)


class Message:
    """One message as the SMTP server received it."""

    def __init__(self, mail_from, rcpt_tos, raw):
        self.mail_from = mail_from
        self.rcpt_tos = list(rcpt_tos)
        self.raw = raw                      # the bytes after DATA, as sent

    def __getattr__(self, name):
        # Parsed on first use, so that receiving stays fast (benches send
        # thousands): msg, to, sender, subject (decoded), text, html.
        if name not in ("msg", "to", "sender", "subject", "text", "html"):
            raise AttributeError(name)
        self.msg = email.message_from_bytes(self.raw, policy=email.policy.default)
        self.to = str(self.msg["To"] or "")
        self.sender = str(self.msg["From"] or "")
        self.subject = str(self.msg["Subject"] or "")
        self.text = self._part("plain")
        self.html = self._part("html")
        return getattr(self, name)

    def _part(self, subtype):
        part = self.msg.get_body(preferencelist=(subtype,))
        if part is None or part.get_content_subtype() != subtype:
            return None
        # Line ends as Python writes them, so tests compare with "\n".
        return part.get_content().replace("\r\n", "\n")

    def header_names(self):
        """Every header name of the message, in order (lower case)."""
        return [k.lower() for k in self.msg.keys()]

    def __repr__(self):
        return "<Message to %r subject %r>" % (self.to, self.subject)


class _Handler:
    def __init__(self, box):
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.box.refuse:
            return "550 5.1.1 <%s>: no such mailbox here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        m = Message(envelope.mail_from, envelope.rcpt_tos, envelope.original_content
                    or envelope.content)
        with self.box._lock:
            self.box.messages.append(m)
        return "250 Message accepted for delivery"


class _CountingSMTP(SMTP):
    def __init__(self, box, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.box = box

    def connection_made(self, transport):
        # Called again for the same connection after STARTTLS.
        if not getattr(self, "carrel_counted", False):
            self.carrel_counted = True
            with self.box._lock:
                if self.box._counting:
                    self.box.connections += 1
        super().connection_made(transport)


class _Controller(Controller):
    def __init__(self, box, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.box = box

    def factory(self):
        return _CountingSMTP(self.box, self.handler, **self.SMTP_kwargs)


class Mailbox:
    """A real SMTP server on 127.0.0.1 that keeps every message."""

    def __init__(self, port=None, user=None, password=None, refuse=(), starttls=False):
        self.port = port or _free_port()
        self.user, self.password = user, password
        self.refuse = {a.lower() for a in refuse}
        self.messages = []
        self.connections = 0        # SMTP connections made to it
        self.logins = []            # (user, password) of every successful AUTH
        self.failed_logins = 0
        self._lock = threading.Lock()
        self._counting = False
        self._controller = None
        self._tmp = None
        self.cert_path = None
        self._tls = None
        if starttls:
            self._make_certificate()

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def _make_certificate(self):
        import ssl
        self._tmp = tempfile.mkdtemp(prefix="carrel-mailbox-")
        self.cert_path = os.path.join(self._tmp, "cert.pem")
        key = os.path.join(self._tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", self.cert_path, "-days", "2",
                        "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(self.cert_path, key)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        ok = login == self.user and password == self.password
        with self._lock:
            if ok:
                self.logins.append((login, password))
            else:
                self.failed_logins += 1
        # handled=False: aiosmtpd then answers 535 itself (True would leave
        # the client waiting for an answer that never comes).
        return AuthResult(success=ok, handled=False)

    def start(self):
        """Listen (again) on the same port."""
        if self._controller:
            return
        kwargs = {}
        if self.user is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self._tls is not None)
        if self._tls is not None:
            kwargs.update(tls_context=self._tls, require_starttls=True)
        # The controller's own test connection while starting is not counted.
        self._counting = False
        self._controller = _Controller(self, _Handler(self), hostname="127.0.0.1",
                                       port=self.port, **kwargs)
        self._controller.start()
        with self._lock:
            self._counting = True

    def stop(self):
        """Stop listening: connections are refused until start()."""
        if self._controller:
            self._controller.stop()
            self._controller = None

    def close(self):
        self.stop()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def wait_for(self, n, timeout=10):
        """Wait until at least n messages have arrived; returns the list."""
        _wait_until(n, lambda: len(self.messages), timeout)
        assert len(self.messages) >= n, "expected %d messages, have %d: %r" % (
            n, len(self.messages), self.messages)
        return self.messages

    def to(self, address):
        """The messages whose envelope names address."""
        with self._lock:
            return [m for m in self.messages
                    if address.lower() in (r.lower() for r in m.rcpt_tos)]

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.connections = 0


class Sms:
    """One POST to the SMS receiver."""

    def __init__(self, fields, user, password, path):
        self.fields = fields
        self.to = fields.get("To")
        self.sender = fields.get("From")
        self.body = fields.get("Body")
        self.user, self.password = user, password
        self.path = path

    def __repr__(self):
        return "<Sms to %r body %r>" % (self.to, self.body)


class SmsReceiver:
    """An HTTP server on 127.0.0.1 answering like Twilio's Messages API.

    Every POST is recorded (also the ones answered with an error), with its
    form fields and the basic-auth user and password."""

    PATH = "/2010-04-01/Accounts/AC00000000/Messages.json"

    def __init__(self):
        self.messages = []          # the ones answered 201
        self.requests = []          # every POST, answered or refused
        self._failures = []         # statuses to answer next, in order
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                fields = {k: v[0] for k, v in urllib.parse.parse_qs(
                    body, keep_blank_values=True).items()}
                user = password = None
                auth = self.headers.get("Authorization") or ""
                if auth.startswith("Basic "):
                    raw = base64.b64decode(auth[6:]).decode("utf-8", "replace")
                    user, _, password = raw.partition(":")
                sms = Sms(fields, user, password, self.path)
                with receiver._lock:
                    receiver.requests.append(sms)
                    status = receiver._failures.pop(0) if receiver._failures else 201
                    if status == 201:
                        receiver.messages.append(sms)
                if status == 201:
                    data = b'{"sid": "SM%032d", "status": "queued"}' % len(receiver.messages)
                else:
                    data = b'{"code": 30001, "message": "Gateway error", "status": %d}' % status
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = None

    @property
    def url(self):
        return "http://127.0.0.1:%d%s" % (self.port, self.PATH)

    def fail_next(self, n, status=500):
        """Answer the next n requests with status (an error) instead of 201."""
        with self._lock:
            self._failures.extend([status] * n)

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def wait_for(self, n, timeout=10):
        """Wait until at least n messages were accepted; returns the list."""
        _wait_until(n, lambda: len(self.messages), timeout)
        assert len(self.messages) >= n, "expected %d text messages, have %d: %r" % (
            n, len(self.messages), self.messages)
        return self.messages
