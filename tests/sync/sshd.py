"""A real OpenSSH server on loopback for the SFTP tests: its own host key, a client key in
its authorized_keys, public-key login only, internal-sftp; on a free port, in tmp_path,
so that the tests run side by side (pytest-xdist). Skips where sshd or ssh-keygen is
missing (CI installs openssh-server: .ci/run)."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"


def keygen(path: Path, kind: str = "ed25519") -> Path:
    """A new key pair without passphrase: ``path`` and ``path.pub``."""
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "test", "-f", str(path)],
                   check=True, capture_output=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.settimeout(1)
            return s.recv(4).startswith(b"SSH-")
    except OSError:
        return False


@dataclass
class SshServer:
    home: Path
    served: Path  # the folder the tests sync through
    client_key: Path
    user: str = field(default_factory=getpass.getuser)
    port: int = 0
    process: subprocess.Popen | None = None
    sftp_flags: str = ""  # e.g. "-R": a read-only server

    @property
    def host_key(self) -> Path:
        return self.home / "host_ed25519"

    def url(self, path: Path | None = None) -> str:
        return f"sftp://{self.user}@127.0.0.1:{self.port}{path or self.served}"

    def start(self) -> None:
        for _attempt in range(5):
            self.port = self.port or free_port()
            config = self.home / "sshd_config"
            config.write_text("\n".join([
                f"ListenAddress 127.0.0.1:{self.port}",
                f"HostKey {self.host_key}",
                f"PidFile {self.home / 'sshd.pid'}",
                f"AuthorizedKeysFile {self.home / 'authorized_keys'}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "StrictModes no",
                f"Subsystem sftp internal-sftp {self.sftp_flags}".rstrip(),
                "LogLevel ERROR",
                "",
            ]))
            self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                            stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                if _answers(self.port):
                    return
                time.sleep(0.05)
            error = self._stop()
            if "Address already in use" not in error:
                pytest.fail(f"sshd did not start: {error}")
            self.port = 0  # taken by a neighbour meanwhile: another one
        pytest.fail("sshd found no free port")

    def _stop(self) -> str:
        if self.process is None:
            return ""
        process, self.process = self.process, None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.stderr.read().decode(errors="replace") if process.stderr else ""

    def stop(self) -> None:
        self._stop()

    def restart(self, *, sftp_flags: str = "") -> None:
        self._stop()
        self.sftp_flags = sftp_flags
        self.start()

    def new_host_key(self) -> None:
        """Restart on the same port with another host key (a reinstalled server, or
        someone impersonating it)."""
        self._stop()
        self.host_key.unlink()
        Path(f"{self.host_key}.pub").unlink()
        keygen(self.host_key)
        self.start()


def start_server(base: Path) -> SshServer:
    if not os.path.exists(SSHD) or shutil.which("ssh-keygen") is None:
        pytest.skip("OpenSSH server not installed (apt-get install openssh-server)")
    if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
        # sshd run by root needs its privilege-separation folder, made by its service.
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    home = base / "sshd"
    home.mkdir()
    served = base / "served"
    served.mkdir()
    keygen(home / "host_ed25519")
    client_key = keygen(home / "client_ed25519")
    (home / "authorized_keys").write_text(Path(f"{client_key}.pub").read_text())
    server = SshServer(home, served, client_key)
    server.start()
    return server

