#!/usr/bin/env python3
"""A real SMTP server for the email notifier's tests, built on aiosmtpd
(Debian package python3-aiosmtpd).

It listens on 127.0.0.1 on a free port, prints "LISTENING <port>" on
stdout once ready, and stops when its stdin closes, so that it never
outlives the test that started it. Each accepted message is written to
--outdir as NNN.eml (the bytes received after DATA) and NNN.json (the
envelope and what the session looked like: EHLO name, TLS, AUTH).

Options:
  --cert/--key       PEM files; enable STARTTLS (required before MAIL and
                     AUTH), or implicit TLS with --implicit-tls
  --user/--password  credentials for PLAIN and LOGIN
  --cram-secret      shared secret for CRAM-MD5
  --mechanisms       comma-separated AUTH mechanisms to offer
                     (PLAIN, LOGIN, CRAM-MD5); AUTH is then required
  --rcpt-reply       reply to every RCPT instead of accepting it
  --data-reply       reply to DATA instead of accepting the message
"""

import argparse
import asyncio
import hmac
import json
import logging
import os
import secrets
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

KNOWN_MECHANISMS = {"PLAIN", "LOGIN", "CRAM-MD5"}


def is_tls(server):
    transport = server.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None


class Handler:
    def __init__(self, args):
        self.args = args
        self.count = 0

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.args.user is not None
            and auth_data.login == self.args.user.encode()
            and auth_data.password == (self.args.password or "").encode()
        )
        if not ok:
            return AuthResult(success=False, handled=False)
        return AuthResult(
            success=True,
            auth_data={"mechanism": mechanism, "login": self.args.user, "tls": is_tls(server)},
        )

    # aiosmtpd offers handler methods named auth_<NAME> as mechanisms,
    # "__" standing for "-".
    async def auth_CRAM__MD5(self, server, args):
        challenge = "<%s@alerter-test>" % secrets.token_hex(8)
        answer = await server.challenge_auth(challenge)
        if not isinstance(answer, bytes) or b" " not in answer:
            return AuthResult(success=False, handled=False)
        login, digest = answer.rsplit(b" ", 1)
        want = hmac.new((self.args.cram_secret or "").encode(), challenge.encode(), "md5").hexdigest()
        if self.args.cram_secret is None or login != (self.args.user or "").encode() or not hmac.compare_digest(digest, want.encode()):
            return AuthResult(success=False, handled=False)
        return AuthResult(
            success=True,
            auth_data={"mechanism": "CRAM-MD5", "login": self.args.user, "tls": is_tls(server)},
        )

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.rcpt_reply:
            return self.args.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.data_reply:
            return self.args.data_reply
        self.count += 1
        base = os.path.join(self.args.outdir, "%03d" % self.count)
        content = envelope.original_content or envelope.content
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "helo": session.host_name,
            "tls": is_tls(server),
            "authenticated": bool(session.authenticated),
            "auth": session.auth_data if session.authenticated else None,
        }
        # Write the message first and the metadata last, atomically: a
        # reader that sees NNN.json sees the whole message.
        with open(base + ".eml", "wb") as f:
            f.write(content)
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--outdir", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--cram-secret")
    p.add_argument("--mechanisms", default="")
    p.add_argument("--rcpt-reply")
    p.add_argument("--data-reply")
    args = p.parse_args()
    # aiosmtpd warns about its own deprecated attributes on every AUTH.
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    offered = {m.strip().upper() for m in args.mechanisms.split(",") if m.strip()}
    unknown = offered - KNOWN_MECHANISMS
    if unknown:
        p.error("unknown mechanisms: %s" % ", ".join(sorted(unknown)))

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    starttls = context is not None and not args.implicit_tls

    handler = Handler(args)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return SMTP(
            handler,
            hostname="alerter-test.invalid",
            loop=loop,
            tls_context=context if starttls else None,
            require_starttls=starttls,
            authenticator=handler.authenticator,
            auth_required=bool(offered),
            # Over implicit TLS the connection is already encrypted;
            # aiosmtpd only knows about STARTTLS.
            auth_require_tls=starttls,
            auth_exclude_mechanism=sorted(KNOWN_MECHANISMS - offered),
        )

    server = loop.run_until_complete(
        loop.create_server(factory, host="127.0.0.1", port=0, ssl=context if args.implicit_tls else None)
    )
    port = server.sockets[0].getsockname()[1]

    def wait_for_stdin_eof():
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=wait_for_stdin_eof, daemon=True).start()
    print("LISTENING %d" % port, flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
