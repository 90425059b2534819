"""A sync folder on an SSH server the practice or the secretariat controls (OpenSSH):
``sftp://USER@HOST:PORT/PATH``, a key file to log in, the server's key pinned.

The first connection to a server records its key (the caller prints the fingerprint to
compare with the administrator's); from then on another key is refused, unless the
user gives the expected one in a file (``--host-key FILE``), which then becomes the pin.
Every step has a timeout; files are written under a temporary name, then renamed on the
server, where standard SFTP's rename refuses to replace a file (OpenSSH makes it a hard
link), and OpenSSH's posix-rename replaces one atomically when that is meant.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import logging
import re
import socket
import stat
import time
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import NamedTuple, Protocol
from urllib.parse import unquote, urlsplit

import paramiko
from paramiko.sftp import CMD_EXTENDED

from app.i18n import _
from app.models.text import one_line
from app.sync.transport.base import FILE, FOLDER, OTHER, Entry, Path, checked, temp_name
from app.sync.transport.errors import (
    BadKeyFile,
    BadTarget,
    BatchTooLarge,
    HostKeyChanged,
    LoginRefused,
    RemoteWriteRefused,
    TargetMissing,
    TargetUnreachable,
    TransportError,
    UnsafeEntry,
    os_reason,
)

log = logging.getLogger(__name__)

DEFAULT_PORT = 22
DEFAULT_TIMEOUT = 15.0
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")
_HOST_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
                        r"(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
_IPV6 = re.compile(r"[0-9a-f:.]{2,45}")
_KEY_TYPE = re.compile(r"(ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
MAX_HOST_KEY_FILE = 64 * 1024


class SftpAddress(NamedTuple):
    user: str
    host: str
    port: int
    path: str  # absolute, no trailing slash but for "/"

    @property
    def host_port(self) -> str:
        """How the pin of this server is looked up: ``host:port`` (``[v6]:port``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"sftp://{self.user}@{self.host_port}{self.path}"


def parse_sftp_url(url: str) -> SftpAddress:
    """``sftp://USER@HOST[:PORT]/ABSOLUTE/PATH``, strictly; ``BadTarget`` says what is
    wrong with anything else."""
    shown = one_line(url)
    usage = "sftp://USER@HOST:PORT/PATH"
    if not url.lower().startswith("sftp://"):
        raise BadTarget(shown, _("the address must start with sftp://"))
    if _CONTROL.search(url) or " " in url.split("/", 3)[2]:
        raise BadTarget(shown, _("the address holds spaces or control characters"))
    if "?" in url or "#" in url:
        raise BadTarget(shown, _("an sftp address has no ? or # part ({usage})").format(
            usage=usage))
    parts = urlsplit(url)
    if parts.password is not None:
        raise BadTarget(shown, _("do not put a password in the address: Permanence logs "
                                 "in with a key file (--identity KEY)"))
    if not parts.username:
        raise BadTarget(shown, _("the user name is missing ({usage})").format(usage=usage))
    user = unquote(parts.username)
    if not _USER.fullmatch(user):
        raise BadTarget(shown, _("the user name {user} is not valid").format(user=user))
    host = parts.hostname or ""
    bracketed = "[" in parts.netloc
    if not host or not (_IPV6.fullmatch(host) if bracketed else _HOST_NAME.fullmatch(host)):
        raise BadTarget(shown, _("the server name is missing or not valid ({usage})").format(
            usage=usage))
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is None:
        port = DEFAULT_PORT
    if not 1 <= port <= 65535 or parts.netloc.endswith(":"):
        raise BadTarget(shown, _("the port must be a number from 1 to 65535"))
    path = unquote(parts.path)
    if not path.startswith("/"):
        raise BadTarget(shown, _("the folder must be an absolute path, starting with / "
                                 "({usage})").format(usage=usage))
    steps = path.strip("/").split("/") if path.strip("/") else []
    if any(step in ("", ".", "..") for step in steps) or _CONTROL.search(path):
        raise BadTarget(shown, _("the folder path must not hold empty, . or .. steps"))
    return SftpAddress(user, host, port, "/" + "/".join(steps))


# -- the server's key ----------------------------------------------------------------
def fingerprint(key_line: str) -> str:
    """OpenSSH's fingerprint of a public key ``"TYPE BASE64"``: ``SHA256:...``."""
    blob = base64.b64decode(key_line.split()[1])
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def pinned_notice(where: str, fingerprint: str) -> str:
    """What to tell the user when a server's key has just been pinned (``on_pinned``)."""
    return _(
        "First connection to the sync server {where}: its key {fingerprint} is now "
        "pinned. Compare it with the one its administrator reads on the server "
        "(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub); from now on a different key "
        "will be refused."
    ).format(where=one_line(where), fingerprint=fingerprint)


def read_host_key_file(path: FsPath) -> set[str]:
    """The public keys in ``path``: lines of a ``.pub`` file (``TYPE BASE64 [comment]``)
    or of ``known_hosts`` (``HOSTS TYPE BASE64``), as ``"TYPE BASE64"``."""
    where = one_line(str(path))
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_HOST_KEY_FILE + 1)
    except OSError as exc:
        raise BadKeyFile(where, os_reason(exc)) from exc
    keys = set()
    if len(raw) <= MAX_HOST_KEY_FILE:
        for line in raw.decode("utf-8", "replace").splitlines():
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if words[0].startswith("@"):
                continue  # @cert-authority / @revoked markers: not a key to pin
            if not _KEY_TYPE.fullmatch(words[0]) and len(words) >= 3:
                words = words[1:]  # known_hosts: the host names first
            if len(words) >= 2 and _KEY_TYPE.fullmatch(words[0]):
                try:
                    base64.b64decode(words[1], validate=True)
                except (binascii.Error, ValueError):
                    continue
                keys.add(f"{words[0]} {words[1]}")
    if not keys:
        raise BadKeyFile(where, _("no SSH public key in this file (expected a line such as "
                                 "the server's /etc/ssh/ssh_host_ed25519_key.pub)"))
    return keys


class PinStore(Protocol):
    """Where the pinned server keys are kept (the encrypted store), by ``host:port``."""

    def get(self, host_port: str) -> str | None: ...

    def put(self, host_port: str, key_line: str) -> None: ...


def _load_identity(path: FsPath) -> paramiko.PKey:
    where = one_line(str(path))
    protected = BadKeyFile(where, _("this key file is protected by a passphrase; give a key "
                                   "without one, readable only by this account"))
    try:
        return paramiko.PKey.from_path(path)
    except paramiko.PasswordRequiredException as exc:
        raise protected from exc
    except TypeError as exc:
        # cryptography's word for an OpenSSH-format key that needs its passphrase.
        if "password" in str(exc):
            raise protected from exc
        raise BadKeyFile(where, _("not a private SSH key file (ed25519, ECDSA or RSA, in "
                                 "OpenSSH's format)")) from exc
    except OSError as exc:
        raise BadKeyFile(where, os_reason(exc)) from exc
    except (paramiko.SSHException, ValueError) as exc:
        raise BadKeyFile(where, _("not a private SSH key file (ed25519, ECDSA or RSA, in "
                                 "OpenSSH's format)")) from exc


def _unreachable(where: str, exc: BaseException, timeout: float,
                 since: float | None = None) -> TargetUnreachable:
    # paramiko reports a silent server as a banner or a handshake it could not read.
    silent = since is not None and time.monotonic() - since >= timeout * 0.9
    if silent or isinstance(exc, (socket.timeout, TimeoutError)):
        reason = _("no answer within {seconds} seconds").format(seconds=round(timeout))
    elif isinstance(exc, ConnectionRefusedError):
        reason = _("connection refused")
    elif isinstance(exc, socket.gaierror):
        reason = _("unknown server name")
    elif getattr(exc, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        reason = _("no route to the server: is this computer on the network?")
    elif isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror
    else:
        reason = _("the connection failed: {detail}").format(detail=str(exc) or type(exc).__name__)
    return TargetUnreachable(where, one_line(reason))


class SftpTransport:
    """An open SFTP session rooted at the address's folder; ``close()`` when done."""

    def __init__(self, address: SftpAddress, *, identity: FsPath, pins: PinStore,
                 host_key_file: FsPath | None = None, timeout: float = DEFAULT_TIMEOUT,
                 on_pinned: Callable[[str], None] | None = None) -> None:
        self.address = address
        self.where = str(address)
        self.timeout = timeout
        key = _load_identity(identity)
        expected = read_host_key_file(host_key_file) if host_key_file is not None else None
        since = time.monotonic()
        try:
            sock = socket.create_connection((address.host, address.port), timeout=timeout)
        except OSError as exc:
            raise _unreachable(self.where, exc, timeout) from exc
        self._ssh = paramiko.Transport(sock)
        self._sftp: paramiko.SFTPClient | None = None
        try:
            self._ssh.banner_timeout = timeout
            self._ssh.handshake_timeout = timeout
            self._ssh.auth_timeout = timeout
            try:
                self._ssh.start_client(timeout=timeout)
                # Past its timeout, start_client returns without a session.
                server_key = self._ssh.get_remote_server_key()
            except (paramiko.SSHException, OSError, EOFError) as exc:
                raise _unreachable(self.where, exc, timeout, since) from exc
            shown = f"{server_key.get_name()} {server_key.get_base64()}"
            pinned = pins.get(address.host_port)
            if expected is not None:
                if shown not in expected:
                    raise HostKeyChanged(self.where, ", ".join(sorted(
                        fingerprint(k) for k in expected)), fingerprint(shown))
            elif pinned is not None and pinned != shown:
                raise HostKeyChanged(self.where, fingerprint(pinned), fingerprint(shown))
            try:
                self._ssh.auth_publickey(address.user, key)
            except paramiko.AuthenticationException as exc:
                raise LoginRefused(self.where, one_line(str(identity))) from exc
            except (paramiko.SSHException, OSError, EOFError) as exc:
                raise _unreachable(self.where, exc, timeout) from exc
            # Pinned once the server has let us in: a typo's server is never recorded.
            if pinned != shown:
                pins.put(address.host_port, shown)
                log.info("pinned the key of the sync server %s", address.host_port)
                if on_pinned is not None:
                    on_pinned(fingerprint(shown))
            try:
                self._sftp = paramiko.SFTPClient.from_transport(self._ssh)
                self._sftp.get_channel().settimeout(timeout)
                root = self._sftp.stat(address.path)
            except FileNotFoundError as exc:
                raise TargetMissing(self.where) from exc
            except (paramiko.SSHException, OSError, EOFError) as exc:
                raise self._failure(exc) from exc
            if not stat.S_ISDIR(root.st_mode or 0):
                raise TargetMissing(self.where)
        except BaseException:
            self.close()
            raise

    # -- helpers -------------------------------------------------------------------
    @property
    def sftp(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            raise TransportError(self.where, _("the connection is closed"))
        return self._sftp

    def _path(self, parts: tuple[str, ...]) -> str:
        base = self.address.path.rstrip("/")
        return "/".join((base, *parts)) if parts else self.address.path

    def _failure(self, exc: BaseException, *, writing: bool = False) -> TransportError:
        if isinstance(exc, TransportError):
            return exc
        # The connection itself failing; an SFTP refusal is a plain OSError instead.
        if isinstance(exc, (socket.timeout, TimeoutError, ConnectionError, EOFError,
                            paramiko.SSHException)):
            return _unreachable(self.where, exc, self.timeout)
        if writing:
            # OpenSSH reports a full disk or a quota as a bare "failure".
            return RemoteWriteRefused(self.where, os_reason(exc))
        return TransportError(self.where, os_reason(exc))

    def _folder(self, folder: tuple[str, ...], *, create: bool = False) -> str | None:
        """The server path of ``folder``, each step checked to be a real folder (not a
        link); None when one is missing and ``create`` is false."""
        for n in range(1, len(folder) + 1):
            here = self._path(folder[:n])
            try:
                st = self.sftp.lstat(here)
            except FileNotFoundError:
                if not create:
                    return None
                refused: OSError | None = None
                try:
                    self.sftp.mkdir(here, 0o700)
                except OSError as exc:
                    refused = exc  # or made meanwhile: the lstat below tells
                try:
                    st = self.sftp.lstat(here)
                except FileNotFoundError as exc:
                    reason = os_reason(refused or exc)
                    raise RemoteWriteRefused(
                        self.where, f"{'/'.join(folder[:n])}: {reason}") from exc
                except (OSError, EOFError, paramiko.SSHException) as exc:
                    raise self._failure(exc, writing=True) from exc
            except (OSError, EOFError, paramiko.SSHException) as exc:
                raise self._failure(exc) from exc
            if not stat.S_ISDIR(st.st_mode or 0):  # a link is S_IFLNK here, not a folder
                raise UnsafeEntry(self.where, "/".join(folder[:n]))
        return self._path(folder)

    # -- the protocol --------------------------------------------------------------
    def list(self, folder: Path) -> list[Entry]:
        parts = checked(folder)
        where = self._folder(parts)
        if where is None:
            return []
        try:
            found = self.sftp.listdir_attr(where)
        except FileNotFoundError:
            return []
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise self._failure(exc) from exc
        entries = []
        for attrs in found:
            mode = attrs.st_mode or 0
            # OpenSSH lists with lstat: a link shows as a link, never as its target.
            kind = FILE if stat.S_ISREG(mode) else FOLDER if stat.S_ISDIR(mode) else OTHER
            entries.append(Entry(attrs.filename, kind, attrs.st_size or 0,
                                 float(attrs.st_mtime or 0)))
        return entries

    def read(self, path: Path, limit: int) -> bytes | None:
        *parents, name = checked(path)
        where = self._folder(tuple(parents))
        if where is None:
            return None
        target = f"{where}/{name}"
        shown = "/".join(checked(path))
        try:
            st = self.sftp.lstat(target)
            if not stat.S_ISREG(st.st_mode or 0):
                raise UnsafeEntry(self.where, shown)
            if (st.st_size or 0) > limit:
                raise BatchTooLarge(self.where, shown)
            with self.sftp.open(target, "rb") as fh:
                if st.st_size:
                    fh.prefetch(st.st_size)
                data = fh.read(limit + 1)
        except FileNotFoundError:
            return None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise self._failure(exc) from exc
        if len(data) > limit:
            raise BatchTooLarge(self.where, shown)
        return data

    def write(self, path: Path, data: bytes, *, replace: bool = False) -> bool:
        *parents, name = checked(path)
        where = self._folder(tuple(parents))
        if where is None:
            raise TargetMissing(self.where)
        target, temp = f"{where}/{name}", f"{where}/{temp_name(name)}"
        sftp = self.sftp
        placed = False  # the temporary file renamed: nothing left to remove
        try:
            try:
                with sftp.open(temp, "wbx") as fh:
                    fh.set_pipelined(True)
                    fh.write(data)
                    fh.flush()
                    # paramiko forgets the answers to pipelined writes (a full disk
                    # would go unnoticed): read each, as its unpipelined path does.
                    while fh._reqs:
                        sftp._read_response(fh._reqs.popleft())
                    self._fsync(fh)
                    if fh.stat().st_size != len(data):
                        raise OSError(_("the file was not written whole"))
                if replace:
                    self._replace(temp, target)
                    placed = True
                else:
                    placed = self._rename_new(temp, target)
                return placed
            except (OSError, EOFError, paramiko.SSHException) as exc:
                raise self._failure(exc, writing=True) from exc
        finally:
            if not placed:
                try:
                    sftp.remove(temp)
                except (OSError, EOFError, paramiko.SSHException):
                    pass  # left for the next prune (readers ignore it)

    def _fsync(self, fh: paramiko.SFTPFile) -> None:
        """OpenSSH's fsync@openssh.com on the open file, so that the rename that follows
        never publishes a file whose content is not on the server's disk yet; paramiko
        has no call for it. A server without it just has the content flushed."""
        try:
            self.sftp._request(CMD_EXTENDED, "fsync@openssh.com", fh.handle)
        except OSError:
            log.debug("the server does not support fsync@openssh.com")

    def _replace(self, temp: str, target: str) -> None:
        """Rename over ``target``: atomically with OpenSSH's posix-rename; a server
        without it gets a removal then a rename (only used for a body without its
        header, which no reader takes)."""
        try:
            self.sftp.posix_rename(temp, target)
        except OSError as exc:
            if getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM):
                raise
            try:
                self.sftp.remove(target)
            except FileNotFoundError:
                pass
            self.sftp.rename(temp, target)

    def _exists(self, path: str) -> bool:
        try:
            self.sftp.lstat(path)
            return True
        except FileNotFoundError:
            return False

    def _rename_new(self, temp: str, target: str) -> bool:
        if self._exists(target):
            return False
        try:
            self.sftp.rename(temp, target)  # refused when target exists (SFTP v3)
            return True
        except OSError as exc:
            if self._exists(target):
                return False  # written meanwhile
            refused = exc
        raise refused

    def delete(self, path: Path) -> None:
        *parents, name = checked(path)
        where = self._folder(tuple(parents))
        if where is None:
            return
        try:
            self.sftp.remove(f"{where}/{name}")
        except FileNotFoundError:
            pass
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise self._failure(exc, writing=True) from exc

    def make_folders(self, folder: Path) -> None:
        self._folder(checked(folder), create=True)

    def close(self) -> None:
        sftp, self._sftp = self._sftp, None
        try:
            if sftp is not None:
                sftp.close()
        finally:
            self._ssh.close()
