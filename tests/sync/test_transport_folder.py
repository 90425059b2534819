"""The folder transport on real file systems: a writer at work beside a reader, a full
disk and a read-only one (real tmpfs and bind mounts, root only), no permission, a pipe
or a vanished folder where the mailbox should be."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.models.ids import uuid7
from app.storage.errors import CannotWriteError
from app.sync.transport import FolderTransport, Mailbox, TargetMissing, UnsafeEntry, Waiting
from app.sync.transport.folder import HELD_OPEN

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX mounts and modes")

ROOT = Path(__file__).resolve().parents[2]
ME, PEER = sorted(uuid7() for _ in range(2))


def contents(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_reader_beside_a_writer_sees_only_whole_batches(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    bodies = {seq: os.urandom(64 * 1024 + seq) for seq in range(1, 41)}
    done = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            outbox = Mailbox(FolderTransport(share), ME)
            for seq, body in bodies.items():
                outbox.post(PEER, seq, b"header %d" % seq, body)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    inbox = Mailbox(FolderTransport(share), PEER)
    seen: set[int] = set()
    writer.start()
    while True:
        finished = done.is_set()
        for sender, seq in inbox.waiting():
            batch = inbox.fetch(sender, seq)
            assert batch.header == b"header %d" % seq and batch.body == bodies[seq]
            seen.add(seq)
        if finished:
            break
    writer.join()
    assert not failures, failures
    assert seen == set(bodies)


def test_a_body_still_being_written_in_place_is_not_listed(tmp_path):
    share = tmp_path / "share"
    folder = share / PEER / ME
    folder.mkdir(parents=True)
    inbox = Mailbox(FolderTransport(share), PEER)
    # Another program copying a batch in place, header included, body not finished:
    # the header is only trusted with its body, and the signature (checked above the
    # transport) covers the body's digest.
    with open(folder / "0000000001.age", "wb") as partial:
        partial.write(b"age-encryption.org/v1\n")
        partial.flush()
        assert inbox.waiting() == []
        (folder / "0000000001.header").write_bytes(b"h")
        assert inbox.waiting() == [Waiting(ME, 1)]


def test_a_pipe_at_a_batch_name_is_refused_without_blocking(tmp_path):
    share = tmp_path / "share"
    folder = share / PEER / ME
    folder.mkdir(parents=True)
    os.mkfifo(folder / "0000000001.age")
    (folder / "0000000001.header").write_bytes(b"h")
    inbox = Mailbox(FolderTransport(share), PEER)
    assert inbox.waiting() == []
    with pytest.raises(UnsafeEntry):
        inbox.fetch(ME, 1)


def test_a_folder_unplugged_after_it_was_opened(tmp_path, french_message):
    share = tmp_path / "usb"
    share.mkdir()
    transport = FolderTransport(share)
    shutil.rmtree(share)
    with pytest.raises(TargetMissing) as refused:
        Mailbox(transport, ME).post(PEER, 1, b"h", b"b")
    french_message(lambda: refused.value.user_message, "clé USB")
    assert not share.exists()


def test_a_full_disk_is_said_and_leaves_no_partial_file(tmp_path, mount, french_message):
    share = tmp_path / "usb"
    share.mkdir()
    mount(share, "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs")
    outbox = Mailbox(FolderTransport(share), ME)
    with pytest.raises(CannotWriteError) as refused:
        outbox.post(PEER, 1, b"h", os.urandom(1 << 20))
    assert refused.value.exit_code == 5
    french_message(lambda: refused.value.user_message, "disque est plein")
    assert contents(share) == [PEER, f"{PEER}/{ME}"]  # neither the body nor a temporary
    assert Mailbox(FolderTransport(share), PEER).waiting() == []
    outbox.post(PEER, 1, b"h", b"small enough")  # once space is back, the send goes
    assert Mailbox(FolderTransport(share), PEER).waiting() == [Waiting(ME, 1)]


def test_a_read_only_folder_is_said(tmp_path, mount, french_message):
    share = tmp_path / "share"
    share.mkdir()
    Mailbox(FolderTransport(share), PEER).post(ME, 1, b"h", b"b")
    mount(share, "--bind", str(share))
    mount(share, "-o", "remount,bind,ro")
    box = Mailbox(FolderTransport(share), ME)
    assert box.waiting() == [Waiting(PEER, 1)]  # reading still works
    with pytest.raises(CannotWriteError) as refused:
        box.post(PEER, 1, b"h", b"b")
    french_message(lambda: refused.value.user_message, "lecture seule")


UNPRIVILEGED_POST = """
import sys
from app.i18n import set_language
from app.sync.transport import FolderTransport, Mailbox
set_language("fr")
try:
    Mailbox(FolderTransport(sys.argv[1]), sys.argv[2]).post(sys.argv[3], 1, b"h", b"b")
except Exception as exc:
    print(type(exc).__name__, exc.exit_code, exc.user_message)
"""


UNPRIVILEGED_READ = """
import sys
from app.i18n import set_language
from app.sync.transport import FolderTransport, Mailbox
set_language("fr")
try:
    Mailbox(FolderTransport(sys.argv[1]), sys.argv[2]).waiting()
except Exception as exc:
    print(type(exc).__name__, exc.exit_code, exc.user_message)
"""


def unprivileged(script: str, *args: str) -> subprocess.CompletedProcess:
    """``script`` run by this user without the capabilities that let root ignore modes."""
    command = [sys.executable, "-c", script, *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is needed to drop root's capabilities")
        command = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_no_permission_to_read_is_said(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    Mailbox(FolderTransport(share), PEER).post(ME, 1, b"h", b"b")
    (share / ME).chmod(0)
    result = unprivileged(UNPRIVILEGED_READ, str(share), ME)
    (share / ME).chmod(0o700)
    assert result.stdout.startswith("TransportError 8 "), result.stdout + result.stderr
    assert "accès refusé" in result.stdout and ME in result.stdout, result.stdout


def test_no_permission_to_write_is_said(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    share.chmod(0o500)
    result = unprivileged(UNPRIVILEGED_POST, str(share), ME, PEER)
    share.chmod(0o700)
    assert result.stdout.startswith("CannotWriteError 5 "), result.stdout + result.stderr
    assert "accès refusé" in result.stdout, result.stdout
    assert contents(share) == []


@pytest.mark.skipif(not HELD_OPEN, reason="folders held open: POSIX only")
def test_a_folder_swapped_for_a_link_once_reached_is_not_followed(tmp_path):
    share, outside = tmp_path / "share", tmp_path / "outside"
    (share / PEER / ME).mkdir(parents=True)
    (outside / ME).mkdir(parents=True)
    transport = FolderTransport(share)
    here = transport._open((PEER, ME))  # the mailbox reached, as a write begins
    # Someone with write access to the share swaps the receiver's folder for a link.
    (share / PEER).rename(share / "moved")
    (share / PEER).symlink_to(outside)
    with here:
        os.close(here.open("0000000001.age", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    assert list((outside / ME).iterdir()) == []
    assert (share / "moved" / ME / "0000000001.age").exists()
    with pytest.raises(UnsafeEntry):  # the next operation sees the link, and stops
        Mailbox(transport, ME).post(PEER, 1, b"h", b"b")
    assert list((outside / ME).iterdir()) == []
