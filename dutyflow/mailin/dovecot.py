"""A throw-away Dovecot IMAP server for the tests and the demo: its own configuration, mail store
and user under a temporary folder, listening on a free 127.0.0.1 port, stopped on exit.

Dovecot refuses to run its login processes as root, so when we are root they run as Debian's
`dovenull` and `dovecot` users and the folder is made traversable for them; otherwise every
process runs as the current user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType


class DovecotMissing(RuntimeError):
    """The `dovecot` binary is not installed (Debian package dovecot-imapd)."""


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    user: str
    password: str
    security: str
    cafile: Path | None = None


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ThrowawayDovecot:
    """`with ThrowawayDovecot() as account:` an IMAP account on a private Dovecot.

    `cert`/`key` (PEM files) switch the listener to implicit TLS (security "ssl"); without them it
    speaks plain IMAP (security "none")."""

    def __init__(
        self,
        *,
        user: str = "vanthu",
        password: str = "mat-khau-thu",
        cert: Path | None = None,
        key: Path | None = None,
        starttls: bool = False,
    ) -> None:
        self.user, self.password = user, password
        self.cert, self.key, self.starttls = cert, key, starttls
        self.root: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.account: ImapAccount | None = None

    def __enter__(self) -> ImapAccount:
        binary = dovecot_binary()
        if binary is None:
            raise DovecotMissing("dovecot is not installed (apt-get install dovecot-imapd)")
        self.root = Path(tempfile.mkdtemp(prefix="dutyflow-dovecot-"))
        os.chmod(self.root, 0o755)
        port = free_port()
        config = self._write_config(port)
        self.process = subprocess.Popen(
            [binary, "-c", str(config), "-F"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: stop() ends exactly these processes
        )
        self._wait_until_listening(port)
        security = "none" if self.cert is None else ("starttls" if self.starttls else "ssl")
        self.account = ImapAccount("127.0.0.1", port, self.user, self.password, security, self.cert)
        return self.account

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # A polite SIGTERM makes Dovecot wait about 6 s for its children; its store is thrown
            # away, so after a moment the whole group it started is killed.
            self.process.terminate()
            try:
                self.process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def _write_config(self, port: int) -> Path:
        """Write the throw-away server's dovecot.conf and passwd file. Its length is the config
        file itself, one list item a line, which reads best whole."""
        assert self.root is not None
        root = self.root
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir(mode=0o755)
        if os.geteuid() == 0:
            internal, login = "dovecot", "dovenull"
            owner = pwd.getpwnam("dovecot")
            uid, gid = owner.pw_uid, owner.pw_gid
            for sub in ("mail", "home"):
                os.chown(root / sub, uid, gid)
        else:
            me = pwd.getpwuid(os.geteuid())
            internal = login = me.pw_name
            uid, gid = me.pw_uid, me.pw_gid
        passwd = root / "passwd"
        passwd.write_text(f"{self.user}:{{PLAIN}}{self.password}:{uid}:{gid}::{root / 'home' / self.user}\n")
        tls = "no"
        listener = f"inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n"
        listener += "  inet_listener imaps {\n    port = 0\n  }\n"
        if self.cert is not None and self.key is not None:
            tls = "required"
            if not self.starttls:
                listener = "inet_listener imap {\n    port = 0\n  }\n"
                listener += f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {port}\n    ssl = yes\n  }}\n"
        lines = [
            f"base_dir = {root / 'run'}",
            f"state_dir = {root / 'state'}",
            f"instance_name = dutyflow-{port}",
            "protocols = imap",
            "listen = 127.0.0.1",
            f"log_path = {root / 'dovecot.log'}",
            f"default_internal_user = {internal}",
            f"default_login_user = {login}",
            f"first_valid_uid = {min(uid, 1)}",
            f"first_valid_gid = {min(gid, 1)}",
            f"ssl = {tls}",
            "auth_mechanisms = plain login",
            "disable_plaintext_auth = no" if tls == "no" else "disable_plaintext_auth = yes",
            f"mail_location = maildir:{root / 'mail'}/%u",
            "mail_plugins =",
            "passdb {",
            "  driver = passwd-file",
            f"  args = scheme=PLAIN {passwd}",
            "}",
            "userdb {",
            "  driver = passwd-file",
            f"  args = {passwd}",
            "}",
            "service imap-login {",
            f"  {listener}}}",
            "service stats {",
            "  unix_listener stats-writer {",
            "    mode = 0666",
            "  }",
            "}",
            "namespace inbox {",
            "  inbox = yes",
            "  separator = /",
            "}",
        ]
        if tls != "no":
            lines += [f"ssl_cert = <{self.cert}", f"ssl_key = <{self.key}"]
        config = root / "dovecot.conf"
        config.write_text("\n".join(lines) + "\n")
        return config

    def _wait_until_listening(self, port: int) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                log = (self.root / "dovecot.log") if self.root else None
                detail = log.read_text(errors="replace") if log and log.exists() else ""
                self.stop()
                raise RuntimeError(f"dovecot did not start: {error} {detail}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("dovecot did not start listening within 20 s")
