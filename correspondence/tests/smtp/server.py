"""A real SMTP server for the email tests (aiosmtpd), on 127.0.0.1.

Each accepted message is written to DIR/<n>/: message.eml (as received),
to, subject, text (the text/plain part) and, for each attachment,
attachment-<filename> and attachment-<filename>.type. A recipient whose
address contains "reject" is refused with 550. With --cert/--key the server
offers STARTTLS and requires it, and accepts AUTH (user "redress", password
"secret") only over TLS. Prints READY when listening; stops when its
standard input closes.
"""

import argparse
import email
import email.policy
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "reject" in address:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        out = os.path.join(self.directory, str(self.count))
        os.makedirs(out)
        with open(os.path.join(out, "message.eml"), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with open(os.path.join(out, "to"), "w") as f:
            f.write(str(message["To"]))
        with open(os.path.join(out, "subject"), "w") as f:
            f.write(str(message["Subject"]))
        with open(os.path.join(out, "authenticated"), "w") as f:
            f.write("yes" if session.authenticated else "no")
        with open(os.path.join(out, "tls"), "w") as f:
            f.write("yes" if session.ssl else "no")
        for part in message.walk():
            if part.is_multipart():
                continue
            filename = part.get_filename()
            if filename:
                path = os.path.join(out, "attachment-" + filename)
                with open(path, "wb") as f:
                    f.write(part.get_payload(decode=True))
                with open(path + ".type", "w") as f:
                    f.write(part.get_content_type())
            elif part.get_content_type() == "text/plain":
                with open(os.path.join(out, "text"), "w") as f:
                    f.write(part.get_content())
        return "250 2.0.0 OK queued as %d" % self.count


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"redress" and auth_data.password == b"secret"
    # handled=False: the server itself answers 535 on a failure.
    return AuthResult(success=ok, handled=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    kwargs = {}
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        kwargs = dict(
            tls_context=context,
            require_starttls=True,
            authenticator=authenticator,
            auth_require_tls=True,
        )
    controller = Controller(
        Handler(args.dir), hostname="127.0.0.1", port=args.port, **kwargs
    )
    controller.start()
    print("READY", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
