"""The mailbox layout, the same on both transports: a shared folder and a real OpenSSH
server on loopback. ``disk`` is the folder the transport reaches (on this computer in
both cases), where the tests plant what other programs or people could leave."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.models.ids import uuid7
from app.sync.transport import (
    BatchConflict,
    FolderTransport,
    Mailbox,
    TargetMissing,
    UnsafeEntry,
    Waiting,
    connect,
)
from app.sync.transport.mailbox import STALE_TEMP_SECONDS
from tests.sync.pins import MemoryPins
from tests.sync.sshd import start_server

ME, PEER, OTHER = sorted(uuid7() for _ in range(3))


# "folder": names looked up inside open folders (POSIX); "folder-by-path": each step
# checked by path, as on Windows.
@pytest.fixture(params=["folder", "folder-by-path", "sftp"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def disk(tmp_path, kind) -> Path:
    return tmp_path / "share"


@pytest.fixture
def opened(tmp_path, kind):
    """``opened(folder)``: a transport over ``folder``, closed at teardown."""
    server = None
    made = []

    def open_(folder: Path):
        nonlocal server
        if kind.startswith("folder"):
            transport = FolderTransport(folder, held_open=kind == "folder")
        else:
            if server is None:
                server = start_server(tmp_path)
            transport = connect(server.url(folder), identity=server.client_key,
                                pins=MemoryPins(), timeout=10)
        made.append(transport)
        return transport

    yield open_
    for transport in made:
        transport.close()
    if server is not None:
        server.stop()


@pytest.fixture
def transport(disk, opened):
    disk.mkdir()
    return opened(disk)


def box(transport, node: str = ME) -> Mailbox:
    return Mailbox(transport, node)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def test_a_batch_posted_is_listed_then_fetched_whole(transport, disk):
    body = os.urandom(1 << 20)
    assert box(transport).post(PEER, 1, b"header 1", body) is True
    assert box(transport).post(PEER, 2, b"header 2", b"second") is True
    assert box(transport, OTHER).post(PEER, 1, b"from other", b"x") is True
    inbox = box(transport, PEER)
    assert inbox.waiting() == sorted([Waiting(ME, 1), Waiting(ME, 2), Waiting(OTHER, 1)])
    first = inbox.fetch(ME, 1)
    assert (first.sender, first.seq, first.header, first.body) == (ME, 1, b"header 1", body)
    assert inbox.fetch(OTHER, 1).body == b"x"
    assert inbox.fetch(ME, 3) is None
    # Each receiver reads its own folder only.
    assert box(transport).waiting() == [] and box(transport, OTHER).waiting() == []
    assert (disk / PEER / ME / "0000000001.header").read_bytes() == b"header 1"
    assert (disk / PEER / ME / "0000000001.age").read_bytes() == body
    assert box(transport).sent(PEER) == [1, 2]
    assert list(disk.rglob(".*")) == []  # no temporary file left behind


def test_the_same_batch_posted_again_changes_nothing(transport, disk):
    assert box(transport).post(PEER, 7, b"h", b"body") is True
    before = files(disk)
    assert box(transport).post(PEER, 7, b"h", b"body") is False
    assert files(disk) == before


@pytest.mark.parametrize("header, body", [(b"other header", b"body"),
                                          (b"h", b"other body")])
def test_a_different_batch_under_a_number_is_refused_and_replaces_nothing(
        transport, disk, header, body, french_message):
    box(transport).post(PEER, 3, b"h", b"body")
    before = files(disk)
    with pytest.raises(BatchConflict) as refused:
        box(transport).post(PEER, 3, header, body)
    assert files(disk) == before
    assert refused.value.exit_code == 8
    text = french_message(lambda: refused.value.user_message, "même numéro")
    assert "0000000003" in text


def test_a_body_without_its_header_is_not_a_batch_and_is_replaced_when_sent_again(
        transport, disk):
    # A send interrupted after the body: the sender's next attempt encrypts anew.
    folder = disk / PEER / ME
    folder.mkdir(parents=True)
    (folder / "0000000001.age").write_bytes(b"old ciphertext")
    assert box(transport, PEER).waiting() == []
    assert box(transport, PEER).fetch(ME, 1) is None
    assert box(transport).post(PEER, 1, b"h", b"new ciphertext") is True
    assert box(transport, PEER).fetch(ME, 1).body == b"new ciphertext"


def test_a_header_without_its_body_is_not_listed(transport, disk):
    folder = disk / PEER / ME
    folder.mkdir(parents=True)
    (folder / "0000000004.header").write_bytes(b"h")
    assert box(transport, PEER).waiting() == []
    assert box(transport, PEER).fetch(ME, 4) is None


def test_temporary_partial_and_foreign_names_are_ignored(transport, disk):
    box(transport).post(PEER, 1, b"h", b"body")
    inbox = disk / PEER
    mine = inbox / ME
    for name in (".0000000002.header.0a1b2c3d4e5f.tmp", ".0000000002.age.0a1b2c3d4e5f.tmp",
                 ".syncthing.0000000003.age.tmp", "0000000003.age.part",
                 "~$0000000003.header", "2.header", "00000000005.header", "00000000005.age",
                 "0000000006.HEADER", "0000000006.AGE", "0000000007.header.bak",
                 "0000000007.age~", "notes.txt", "0000000008.header (copie)",
                 "0000000010.sync-conflict-20261205-101010-ABCDEFG.header",
                 "0000000010.age",  # its conflict copy is not its header
                 "0000000011 (conflicted copy 2026-12-05 101010).header", "0000000011.age"):
        (mine / name).write_bytes(b"junk")
    (mine / "0000000009.header").mkdir()  # a folder under a batch's name
    (mine / "0000000009.age").write_bytes(b"x")
    (inbox / "0000000001.header").write_bytes(b"misplaced")
    (inbox / ME.upper()).mkdir()
    (inbox / ME.upper() / "0000000001.header").write_bytes(b"h")
    (inbox / ME.upper() / "0000000001.age").write_bytes(b"b")
    (inbox / "not-a-node").mkdir()
    (inbox / PEER).mkdir()  # a folder of its own name: nobody sends to himself
    (inbox / PEER / "0000000001.header").write_bytes(b"h")
    (inbox / PEER / "0000000001.age").write_bytes(b"b")
    assert box(transport, PEER).waiting() == [Waiting(ME, 1)]


def test_prune_removes_only_what_was_acknowledged_and_only_its_own(transport, disk):
    for seq in (1, 2, 3):
        box(transport).post(PEER, seq, b"h%d" % seq, b"b%d" % seq)
    box(transport, OTHER).post(PEER, 1, b"o", b"o")
    box(transport).post(OTHER, 1, b"to other", b"x")
    mine = disk / PEER / ME
    stale, fresh = mine / ".0000000004.age.aaaaaaaaaaaa.tmp", mine / ".0000000005.age.b.tmp"
    stale.write_bytes(b"left by a crash")
    fresh.write_bytes(b"being written")
    old = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    assert box(transport).prune(PEER, 2) == [1, 2]
    assert box(transport, PEER).waiting() == [Waiting(ME, 3), Waiting(OTHER, 1)]
    assert sorted(p.name for p in mine.iterdir()) == [
        fresh.name, "0000000003.age", "0000000003.header"]
    assert box(transport, OTHER).waiting() == [Waiting(ME, 1)]
    assert box(transport).prune(PEER, 2) == []  # twice: nothing more


def test_a_link_in_the_mailbox_is_never_followed(transport, disk, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "0000000001.header").write_bytes(b"secret header")
    (outside / "0000000001.age").write_bytes(b"secret body")
    (outside / "passwd").write_bytes(b"root:x:0:0")
    inbox = disk / PEER
    inbox.mkdir()
    (inbox / OTHER).symlink_to(outside)  # a sender folder that is a link
    sender = inbox / ME
    sender.mkdir()
    (sender / "0000000002.header").symlink_to(outside / "passwd")
    (sender / "0000000002.age").write_bytes(b"b")
    (sender / "0000000003.header").write_bytes(b"h")
    (sender / "0000000003.age").symlink_to(outside / "0000000001.age")
    assert box(transport, PEER).waiting() == []
    for who, seq in ((ME, 2), (ME, 3), (OTHER, 1)):
        with pytest.raises(UnsafeEntry) as refused:
            box(transport, PEER).fetch(who, seq)
        assert refused.value.exit_code == 8
    # Posting through a link planted at one's own outbox writes nothing outside.
    (disk / OTHER).mkdir()
    (disk / OTHER / ME).symlink_to(outside)
    before = files(outside)
    with pytest.raises(UnsafeEntry):
        box(transport).post(OTHER, 5, b"h", b"b")
    assert files(outside) == before


def test_a_receiver_folder_that_is_a_link_is_refused(transport, disk, tmp_path,
                                                      french_message):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (disk / PEER).symlink_to(elsewhere)
    with pytest.raises(UnsafeEntry) as refused:
        box(transport).post(PEER, 1, b"h", b"b")
    assert list(elsewhere.iterdir()) == []
    text = french_message(lambda: refused.value.user_message, "lien symbolique")
    assert PEER in text
    with pytest.raises(UnsafeEntry):
        box(transport, PEER).waiting()


def test_a_sync_folder_that_does_not_exist_is_refused_clearly(opened, tmp_path,
                                                              french_message):
    (tmp_path / "file").write_bytes(b"")
    for missing in (tmp_path / "unplugged", tmp_path / "file"):
        with pytest.raises(TargetMissing) as refused:
            opened(missing)
        assert refused.value.exit_code == 8
        text = french_message(lambda: refused.value.user_message, "n'existe pas")
        assert missing.name in text
    assert not (tmp_path / "unplugged").exists()


def test_node_ids_and_numbers_are_checked(transport):
    for bad in ("..", "", ME.upper(), ME + "/x", "../" + PEER):
        with pytest.raises(ValueError):
            box(transport).post(bad, 1, b"h", b"b")
    for seq in (-1, 10**10, True, "1"):
        with pytest.raises(ValueError):
            box(transport).post(PEER, seq, b"h", b"b")
    with pytest.raises(ValueError):
        box(transport).post(ME, 1, b"h", b"b")
    with pytest.raises(ValueError):
        Mailbox(transport, "me")
