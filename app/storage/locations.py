"""Where this run keeps its data: the user's folders, or the portable folder.

Installed (the default), the profiles live in the per-user data folder (platformdirs:
``~/.local/share/Permanence``, ``%LOCALAPPDATA%\\Permanence``, ``~/Library/Application
Support/Permanence``): nothing needs administrator rights. Portable (``--portable``, or
a file named ``permanence-portable`` beside the program), everything this run writes
stays in ``Permanence-data`` beside the program, so that the program and its practices
travel together on a folder or a USB drive: the profiles (with their workstation
settings, window geometry and logs), the temporary files, and the caches and settings
files of the libraries below us. The folder is found again from the program's own
place at every start, never written down, so a USB drive that gets another letter on
another computer works the same.

Every profile path of the program comes from ``current()``; the command line chooses
the locations once, at start, with ``use()``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.errors import ExitCode, PermanenceError
from app.i18n import _

APP_NAME = "Permanence"
PORTABLE_OPTION = "--portable"
PORTABLE_MARKER = "permanence-portable"
PORTABLE_FOLDER = "Permanence-data"

# Folders kept in sync by a service: a database written while the service copies it is
# damaged, and the practice would leave the workstation. Lower-case names (or their
# start, for "OneDrive - Cabinet") and the files such a service leaves at its root.
_SYNCED_NAMES = ("onedrive", "dropbox", "google drive", "googledrive", "my drive",
                 "mon drive", "icloud drive", "icloud~", "mobile documents", "nextcloud",
                 "owncloud", "box sync", "pcloud", "seafile", "tresorit", "sync.com")
_SYNCED_MARKERS = (".dropbox", ".dropbox.cache", ".stfolder", ".sync", ".owncloudsync.log")
_SYNCED_ENV = ("OneDrive", "OneDriveConsumer", "OneDriveCommercial")


@dataclass(frozen=True)
class Locations:
    """``root``: the default profile folder (the demo practice in its ``demo``
    subfolder); ``portable``: whether it is the folder beside the program."""

    root: Path
    portable: bool = False

    @property
    def profile(self) -> Path:
        return self.root

    @property
    def demo(self) -> Path:
        return self.root / "demo"

    @property
    def temp(self) -> Path:
        return self.root / "tmp"

    @property
    def system(self) -> Path:
        """Portable: where the libraries' caches and settings files go (fontconfig's
        cache, Qt's own settings on Linux) instead of the user's folders."""
        return self.root / "system"


class PortableFolderError(PermanenceError):
    """The portable folder cannot hold the practices: nothing was written."""

    code = "portable_folder"

    def __init__(self, folder: Path, reason: str, *, synced: bool) -> None:
        super().__init__(str(folder))
        self.folder = folder
        self.reason = reason
        self.synced = synced
        self.exit_code = ExitCode.BAD_INPUT if synced else ExitCode.CANNOT_WRITE

    @property
    def user_message(self) -> str:
        if self.synced:
            return _("Permanence cannot keep its portable data in {folder}: this folder is "
                     "synchronised ({reason}), and a database copied while it is in use is "
                     "damaged. Put the Permanence folder on a local disk or a USB drive, "
                     "outside any synchronised or shared folder.").format(
                         folder=self.folder, reason=self.reason)
        return _("Permanence cannot write its portable data in {folder} ({reason}). Put "
                 "the Permanence folder on a drive you may write to (a USB drive that is "
                 "not write-protected, a folder of your own), or start it without "
                 "--portable.").format(folder=self.folder, reason=self.reason)


def program_folder(*, frozen: bool | None = None, executable: str | None = None,
                   package_file: str | None = None) -> Path:
    """The folder of the program: the standalone application's (beside the .app on
    macOS), or, run from the source tree, the checkout (the folder holding ``app``).
    Not resolved: a drive letter or a mount point stays as the user sees it."""
    if frozen is None:
        frozen = bool(getattr(sys, "frozen", False))
    if frozen:
        here = Path(os.path.abspath(executable or sys.executable)).parent
        if here.name == "MacOS" and here.parent.name == "Contents" \
                and here.parent.parent.suffix == ".app":
            return here.parent.parent.parent
        return here
    import app

    return Path(os.path.abspath(package_file or app.__file__)).parent.parent


def user_locations() -> Locations:
    return Locations(platformdirs.user_data_path(APP_NAME, appauthor=False))


def portable_locations(program: Path) -> Locations:
    return Locations(program / PORTABLE_FOLDER, portable=True)


def wants_portable(argv: list[str], program: Path) -> bool:
    """``--portable`` anywhere before ``--`` (the option is read before the parser is
    built: the language of the help is in the portable folder), or the marker file."""
    given = argv[:argv.index("--")] if "--" in argv else argv
    return PORTABLE_OPTION in given or (program / PORTABLE_MARKER).exists()


def synced_service(folder: Path, environ=os.environ) -> str | None:
    """The synchronising service or share ``folder`` lies in, when it shows (a cheap
    look at its path, its parents' marker files and OneDrive's variables); else None."""
    text = str(folder)
    if text.startswith(("\\\\", "//")):
        return _("a network share")
    for name in _SYNCED_ENV:
        synced = environ.get(name)
        if synced and _inside(folder, Path(synced)):
            return "OneDrive"
    for part in folder.parts:
        lower = part.lower()
        if any(lower.startswith(name) for name in _SYNCED_NAMES):
            return part
    for parent in (folder, *folder.parents):
        for marker in _SYNCED_MARKERS:
            try:
                if (parent / marker).exists():
                    return f"{parent} ({marker})"
            except OSError:
                continue
    return None


def _inside(folder: Path, other: Path) -> bool:
    try:
        return os.path.commonpath([os.path.normcase(folder), os.path.normcase(other)]) \
            == os.path.normcase(other)
    except ValueError:  # another drive
        return False


def check_portable(locations: Locations, environ=os.environ) -> None:
    """Refuses (``PortableFolderError``) a portable folder inside a synchronised folder
    or one that cannot be written; creates it (owner-only) otherwise."""
    from app.storage.errors import write_failure
    from app.storage.private import make_private_dirs, touch_private

    service = synced_service(locations.root, environ)
    if service is not None:
        raise PortableFolderError(locations.root, service, synced=True)
    probe = locations.root / f".write-test-{os.getpid()}"
    try:
        make_private_dirs(locations.root)
        touch_private(probe)
        probe.unlink()
    except OSError as exc:
        refused = write_failure(exc, locations.root)
        reason = refused.reason_text if refused else (exc.strerror or type(exc).__name__)
        raise PortableFolderError(locations.root, reason, synced=False) from exc


def portable_path(path: Path, base: Path) -> str:
    """How to write down ``path`` (absolute) in a profile at ``base``: in portable mode,
    relative to ``base`` when both are on the same drive (Windows) or file system, so
    that it follows the drive when it gets another letter or mount point; else as it
    is."""
    if not current().portable:
        return str(path)
    try:
        if os.name == "nt":
            same = os.path.splitdrive(path)[0].lower() == os.path.splitdrive(base)[0].lower()
        else:
            same = os.stat(path).st_dev == os.stat(base).st_dev
        return os.path.relpath(path, base) if same else str(path)
    except (OSError, ValueError):
        return str(path)


_current: Locations | None = None


def current() -> Locations:
    """The locations chosen for this run (the user's folders unless ``use()`` said
    otherwise)."""
    return _current if _current is not None else user_locations()


def use(locations: Locations) -> None:
    """Chooses the locations for the rest of this run (nothing is written)."""
    global _current
    _current = locations


def settle_portable(locations: Locations, environ=os.environ) -> None:
    """Portable: checks the folder (``check_portable``), then moves this run's temporary
    files into it, and, on Linux and other XDG systems, the libraries' caches and
    settings files (Qt reads these variables when it starts, so this comes first); the
    computer's keychain is left alone (``PortableKeyring``). Installed: nothing."""
    if not locations.portable:
        return
    import tempfile

    from app.storage.keychain import use_portable_keyring
    from app.storage.private import make_private_dirs

    check_portable(locations, environ)
    make_private_dirs(locations.temp)
    tempfile.tempdir = str(locations.temp)
    for name in ("TMPDIR", "TEMP", "TMP"):
        environ[name] = str(locations.temp)
    if sys.platform not in ("win32", "darwin"):
        for name, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"),
                          ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
            make_private_dirs(locations.system / sub)
            environ[name] = str(locations.system / sub)
    use_portable_keyring()
