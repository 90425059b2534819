"""Settings, declared in one table with their scope and default.

Workstation settings (a person's preferences on this computer) live in the profile's
``workstation.json``, readable before unlock so the unlock prompt speaks the user's
language. Practice settings live in the encrypted database. Neither ever holds patient
data.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from app.i18n import SUPPORTED_LANGUAGES
from app.storage.private import make_private_dirs, write_private


@dataclass(frozen=True)
class SettingSpec:
    key: str
    scope: str  # "workstation" | "practice"
    default: object
    allowed: tuple | None = None


SETTINGS: dict[str, SettingSpec] = {
    s.key: s
    for s in (
        SettingSpec("language", "workstation", "fr", SUPPORTED_LANGUAGES),
        # The account commands sign in as when --user is not given (a remote
        # workstation's, set when it joins a practice); "" for the owner.
        SettingSpec("account", "workstation", ""),
        # Telephony on this workstation (app.services.calls.dialing, .action_url).
        SettingSpec("dial_method", "workstation", "tel", ("tel", "url", "command")),
        SettingSpec("dial_template", "workstation", ""),
        SettingSpec("phone_listener", "workstation", False, (True, False)),
        SettingSpec("phone_listener_port", "workstation", 8725),
        SettingSpec("phone_listener_token", "workstation", ""),
        # A copy of the practice's lines (E.164; its public numbers, never patient data),
        # written when they change, so that which practice owns a line is known without
        # unlocking (app.services.calls.lines.lines_of_profile).
        SettingSpec("practice_lines", "workstation", ()),
    )
}


class WorkstationSettings:
    def __init__(self, path: Path, *, overrides: dict[str, object] | None = None) -> None:
        """``overrides``: values chosen for this run only (``--language en``); they win
        over the file and are never saved."""
        self._path = path
        self._overrides = {SETTINGS[k].key: v for k, v in (overrides or {}).items()}
        self._values: dict[str, object] = {}
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                self._values = {k: v for k, v in raw.items() if k in SETTINGS}
        except (FileNotFoundError, ValueError, OSError):
            self._values = {}

    def get(self, key: str):
        spec = SETTINGS[key]
        value = self._overrides.get(key, self._values.get(key, spec.default))
        if spec.allowed is not None and value not in spec.allowed:
            return spec.default
        return value

    def set(self, key: str, value) -> None:
        spec = SETTINGS[key]
        if spec.scope != "workstation":
            raise KeyError(f"{key} is not a workstation setting")
        if spec.allowed is not None and value not in spec.allowed:
            raise ValueError(f"{value!r} is not allowed for {key}")
        self._values[key] = value
        make_private_dirs(self._path.parent)
        self._overrides.pop(key, None)  # chosen now (in Réglages): it holds from here on
        tmp = self._path.with_name(self._path.name + ".tmp")
        write_private(tmp, json.dumps(self._values, indent=2, sort_keys=True).encode("utf-8"))
        os.replace(tmp, self._path)
