"""SFTP against a real OpenSSH server on loopback: the address, the server's key pinned
at the first connection then required, a key file given instead, a refused login, a
server that is not there or does not answer, a full disk on the server; and the pins
kept in a real practice database."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import paramiko
import pytest

from app.models.ids import uuid7
from app.storage.profile import unlock_key
from app.services.workspace import open_workspace
from app.sync.transport import (
    BadTarget,
    HostKeyChanged,
    LocalMetaPins,
    LoginRefused,
    Mailbox,
    RemoteWriteRefused,
    TargetMissing,
    TargetUnreachable,
    TransportError,
    Waiting,
    connect,
    fingerprint,
    open_transport,
    parse_sftp_url,
    pinned_notice,
)
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.sync.pins import MemoryPins
from tests.sync.sshd import keygen, start_server

ME, PEER, OTHER = sorted(uuid7() for _ in range(3))


@pytest.fixture
def sshd(tmp_path):
    """A running OpenSSH server serving ``tmp_path/served``, stopped at teardown."""
    server = start_server(tmp_path)
    yield server
    server.stop()


def ssh_fingerprint(public: Path) -> str:
    """What ``ssh-keygen -lf`` prints for the key: the administrator's way to read it."""
    out = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(public)],
                         capture_output=True, text=True, check=True).stdout
    return out.split()[1]


def public_of(server) -> Path:
    return Path(f"{server.host_key}.pub")


def open_(server, pins, **options):
    options.setdefault("identity", server.client_key)
    return connect(server.url(), pins=pins, timeout=10, **options)


# -- the address ---------------------------------------------------------------------
@pytest.mark.parametrize("url, expected", [
    ("sftp://alice@sync.example.org:2222/srv/cabinet",
     ("alice", "sync.example.org", 2222, "/srv/cabinet")),
    ("SFTP://Bob@Host.Example.ORG/srv/sync/", ("Bob", "host.example.org", 22, "/srv/sync")),
    ("sftp://sec@192.168.1.20:22/", ("sec", "192.168.1.20", 22, "/")),
    ("sftp://sec@[::1]:2200/home/sec/dossier%20partag%C3%A9",
     ("sec", "::1", 2200, "/home/sec/dossier partagé")),
])
def test_a_valid_address(url, expected):
    address = parse_sftp_url(url)
    assert tuple(address) == expected


@pytest.mark.parametrize("url, words", [
    ("ftp://alice@host/srv", "sftp://"),
    ("sftp://host:22/srv", "nom d'utilisateur"),
    ("sftp://alice:secret@host:22/srv", "mot de passe"),
    ("sftp://alice@:22/srv", "serveur"),
    ("sftp://alice@ho_st/srv", "serveur"),
    ("sftp://alice@host:0/srv", "port"),
    ("sftp://alice@host:99999/srv", "port"),
    ("sftp://alice@host:ssh/srv", "port"),
    ("sftp://alice@host:/srv", "port"),
    ("sftp://alice@host:22", "absolu"),
    ("sftp://alice@host:22~/srv", "port"),
    ("sftp://alice@host:22/srv/../etc", ".."),
    ("sftp://alice@host:22/srv//x", ".."),
    ("sftp://alice@host:22/srv?x=1", "?"),
    ("sftp://alice@host:22/srv#x", "?"),
    ("sftp://al ice@host:22/srv", "espaces"),
    ("sftp://alice@host:22/srv\x1b[2J", "contrôle"),
    ("sftp://-oProxyCommand=x@host/srv", "utilisateur"),
])
def test_a_wrong_address_says_what_is_wrong(url, words, french_message):
    with pytest.raises(BadTarget) as refused:
        connect(url, identity=Path("key"), pins=MemoryPins())
    assert refused.value.exit_code == 2
    text = french_message(lambda: refused.value.user_message, words)
    assert "\x1b" not in text


def test_a_folder_target_takes_no_key_and_other_schemes_are_refused(tmp_path):
    with pytest.raises(BadTarget):
        connect(tmp_path, identity=Path("key"))
    with pytest.raises(BadTarget):
        connect("https://example.org/sync")
    with pytest.raises(BadTarget) as refused:
        connect("sftp://alice@host:22/srv", pins=MemoryPins())
    assert "--identity" in refused.value.user_message


# -- the server's key ----------------------------------------------------------------
def test_the_first_connection_pins_the_key_and_says_its_fingerprint(sshd):
    pins, told = MemoryPins(), []
    with open_transport(sshd.url(), identity=sshd.client_key, pins=pins,
                        on_pinned=told.append) as transport:
        Mailbox(transport, ME).post(PEER, 1, b"h", b"b")
    assert told == [ssh_fingerprint(public_of(sshd))]
    assert fingerprint(public_of(sshd).read_text()) == told[0]
    key_type, key_b64 = public_of(sshd).read_text().split()[:2]
    assert pins.pins == {f"127.0.0.1:{sshd.port}": f"{key_type} {key_b64}"}
    with open_transport(sshd.url(), identity=sshd.client_key, pins=pins,
                        on_pinned=told.append) as transport:
        assert Mailbox(transport, PEER).waiting() == [Waiting(ME, 1)]
    assert len(told) == 1  # known now: nothing more to say


def test_the_pinned_notice_shows_the_fingerprint_to_compare(french_message):
    text = french_message(lambda: pinned_notice("sftp://a@h:22/x", "SHA256:abc"),
                          "épinglée")
    assert "SHA256:abc" in text and "sftp://a@h:22/x" in text and "ssh-keygen" in text


def test_a_changed_server_key_is_refused(sshd, french_message):
    pins = MemoryPins()
    open_(sshd, pins).close()
    pinned = dict(pins.pins)
    old = ssh_fingerprint(public_of(sshd))
    sshd.new_host_key()
    with pytest.raises(HostKeyChanged) as refused:
        open_(sshd, pins)
    assert refused.value.exit_code == 8
    text = french_message(lambda: refused.value.user_message, "usurp")
    assert old in text and ssh_fingerprint(public_of(sshd)) in text
    assert "--host-key" in text
    assert pins.pins == pinned
    assert list(sshd.served.iterdir()) == []


def test_a_host_key_file_is_required_to_match_and_becomes_the_pin(sshd, tmp_path):
    pins = MemoryPins()
    known_hosts = tmp_path / "known_hosts"
    key_type, key_b64 = public_of(sshd).read_text().split()[:2]
    known_hosts.write_text(f"# the practice's server\n[127.0.0.1]:{sshd.port} {key_type} "
                           f"{key_b64}\n")
    told = []
    for given in (public_of(sshd), known_hosts):
        open_(sshd, MemoryPins(), host_key_file=given, on_pinned=told.append).close()
    # Another key in the file: refused, even on a first connection.
    other = keygen(tmp_path / "other_host")
    with pytest.raises(HostKeyChanged):
        open_(sshd, pins, host_key_file=Path(f"{other}.pub"))
    assert pins.pins == {}
    # A server reinstalled: its new key, given as a file, replaces the pin.
    open_(sshd, pins).close()
    sshd.new_host_key()
    with pytest.raises(HostKeyChanged):
        open_(sshd, pins)
    open_(sshd, pins, host_key_file=public_of(sshd)).close()
    assert pins.pins[f"127.0.0.1:{sshd.port}"].split()[1] == \
        public_of(sshd).read_text().split()[1]
    open_(sshd, pins).close()
    assert len(told) == 2


def test_a_host_key_file_that_holds_no_key_is_refused(sshd, tmp_path, french_message):
    empty = tmp_path / "host.pub"
    empty.write_text("not a key\n")
    for given in (empty, tmp_path / "missing.pub"):
        with pytest.raises(BadTarget) as refused:
            open_(sshd, MemoryPins(), host_key_file=given)
        assert refused.value.exit_code == 2
    with pytest.raises(BadTarget) as refused:
        open_(sshd, MemoryPins(), host_key_file=empty)
    french_message(lambda: refused.value.user_message, "clé publique")


# -- logging in ----------------------------------------------------------------------
def test_a_key_the_server_does_not_know_is_refused_clearly(sshd, tmp_path, french_message):
    stranger = keygen(tmp_path / "stranger")
    pins = MemoryPins()
    with pytest.raises(LoginRefused) as refused:
        open_(sshd, pins, identity=stranger)
    assert refused.value.exit_code == 8
    text = french_message(lambda: refused.value.user_message, "authorized_keys")
    assert str(stranger) in text
    assert pins.pins == {}  # a server that did not let us in is not pinned


def test_a_key_file_that_cannot_be_used_is_refused_clearly(sshd, tmp_path, french_message):
    protected = tmp_path / "protected"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f",
                    str(protected)], check=True, capture_output=True)
    garbage = tmp_path / "garbage"
    garbage.write_text("-----BEGIN NOTHING-----\n")
    for key, words in ((protected, "phrase de passe"), (garbage, "clé SSH privée"),
                       (tmp_path / "missing", "fichier")):
        with pytest.raises(BadTarget) as refused:
            open_(sshd, MemoryPins(), identity=key)
        assert refused.value.exit_code == 2
        french_message(lambda: refused.value.user_message, words)  # noqa: B023


# -- a server that is not there ------------------------------------------------------
def test_no_server_on_the_port_is_said_at_once(tmp_path, french_message):
    key = keygen(tmp_path / "client")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    started = time.monotonic()
    with pytest.raises(TargetUnreachable) as refused:
        connect(f"sftp://alice@127.0.0.1:{port}/srv", identity=key, pins=MemoryPins(),
                timeout=5)
    assert time.monotonic() - started < 5
    assert refused.value.exit_code == 8
    french_message(lambda: refused.value.user_message, "connexion refusée")


def test_a_server_that_does_not_answer_is_given_up_within_the_timeout(tmp_path,
                                                                      french_message):
    key = keygen(tmp_path / "client")
    with socket.socket() as silent:  # accepts the connection, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(TargetUnreachable) as refused:
            connect(f"sftp://alice@127.0.0.1:{port}/srv", identity=key, pins=MemoryPins(),
                    timeout=1.5)
        elapsed = time.monotonic() - started
    assert 1 <= elapsed < 5, elapsed
    french_message(lambda: refused.value.user_message, "aucune réponse")


# -- the server's disk ---------------------------------------------------------------
def test_a_full_disk_on_the_server_is_said_and_leaves_no_partial_file(sshd, tmp_path,
                                                                       french_message):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                              str(disk)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount here: {mounted.stderr.strip()}")
    try:
        with open_transport(sshd.url(disk), identity=sshd.client_key, pins=MemoryPins(),
                            timeout=10) as transport:
            with pytest.raises(RemoteWriteRefused) as refused:
                Mailbox(transport, ME).post(PEER, 1, b"h", os.urandom(1 << 20))
            assert sorted(p.name for p in (disk / PEER / ME).iterdir()) == []
            Mailbox(transport, ME).post(PEER, 1, b"h", b"small")
            assert Mailbox(transport, PEER).waiting() == [Waiting(ME, 1)]
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
    assert refused.value.exit_code == 5
    french_message(lambda: refused.value.user_message, "disque")


def test_a_server_that_refuses_writes_is_said(sshd, french_message):
    Mailbox(connect(sshd.served), PEER).post(ME, 1, b"h", b"b")
    (sshd.served / OTHER / ME).mkdir(parents=True)
    before = sorted(sshd.served.rglob("*"))
    sshd.restart(sftp_flags="-R")  # internal-sftp in read-only mode
    with open_transport(sshd.url(), identity=sshd.client_key, pins=MemoryPins(),
                        timeout=10) as transport:
        box = Mailbox(transport, ME)
        assert box.waiting() == [Waiting(PEER, 1)]  # reading still works
        for receiver in (PEER, OTHER):  # a folder to make, a file to write
            with pytest.raises(RemoteWriteRefused) as refused:
                box.post(receiver, 1, b"h", b"b")
            assert refused.value.exit_code == 5
            french_message(lambda: refused.value.user_message, "accès refusé")  # noqa: B023
    assert sorted(sshd.served.rglob("*")) == before


def ssh_sessions() -> list[paramiko.Transport]:
    """paramiko's session threads still running in this process."""
    return [t for t in threading.enumerate() if isinstance(t, paramiko.Transport)
            and t.is_alive()]


def test_a_transport_closes_its_session_whatever_happened(sshd, tmp_path):
    before = ssh_sessions()
    transport = open_(sshd, MemoryPins())
    assert len(ssh_sessions()) == len(before) + 1
    transport.close()
    transport.close()  # twice: harmless
    with pytest.raises(LoginRefused):
        open_(sshd, MemoryPins(), identity=keygen(tmp_path / "stranger"))
    pins = MemoryPins()
    pins.put(f"127.0.0.1:{sshd.port}", "ssh-ed25519 " + "A" * 68)
    with pytest.raises(HostKeyChanged):
        open_(sshd, pins)
    with pytest.raises(TargetMissing):
        connect(sshd.url(sshd.served / "missing"), identity=sshd.client_key,
                pins=MemoryPins(), timeout=10)
    deadline = time.monotonic() + 5
    while ssh_sessions() != before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ssh_sessions() == before
    with pytest.raises(TransportError) as refused:
        Mailbox(transport, ME).waiting()
    assert refused.value.exit_code == 8


# -- pins in the practice's database -------------------------------------------------
def test_pins_are_kept_in_the_encrypted_store(sshd, workspace):
    pins = LocalMetaPins(workspace.store)
    assert pins.get(f"127.0.0.1:{sshd.port}") is None
    open_(sshd, pins).close()
    paths = workspace.paths
    workspace.close()
    reopened = open_workspace(paths, unlock_key(paths, passphrase=PASSPHRASE,
                                                kdf_floor=FAST_KDF), clock=workspace.clock)
    try:
        pins = LocalMetaPins(reopened.store)
        key_type, key_b64 = public_of(sshd).read_text().split()[:2]
        assert pins.get(f"127.0.0.1:{sshd.port}") == f"{key_type} {key_b64}"
        assert pins.get(f"127.0.0.1:{sshd.port + 1}") is None
        sshd.new_host_key()
        with pytest.raises(HostKeyChanged):
            open_(sshd, pins)
        long_name = "a" * 60 + ".example.org:22"
        pins.put(long_name, "ssh-ed25519 AAAA")
        assert pins.get(long_name) == "ssh-ed25519 AAAA"
    finally:
        reopened.close()


@pytest.mark.parametrize("failure, words", [
    (socket.gaierror(-2, "Name or service not known"), "nom de serveur inconnu"),
    (OSError(errno.EHOSTUNREACH, "No route to host"), "réseau"),
    (OSError(errno.ENETUNREACH, "Network is unreachable"), "réseau"),
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connexion refusée"),
    (TimeoutError("timed out"), "aucune réponse en 7 secondes"),
])
def test_why_a_server_cannot_be_reached_is_said_in_words(failure, words, french_message):
    # What the system reports when the network or the name is wrong (not reproducible
    # on loopback), as the connection gets it.
    from app.sync.transport.sftp import _unreachable

    refused = _unreachable("sftp://a@h:22/x", failure, 7)
    assert refused.exit_code == 8
    french_message(lambda: refused.user_message, words)
