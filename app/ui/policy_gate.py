"""Actions a remote workstation's policy governs (exports, printing, copying a patient
list, screenshots), as the screens offer them: hidden when the role may not do them at
all; shown greyed, with a tooltip that says why, when the practice's policy forbids them
on this workstation. ``PolicyGates.refresh`` follows a policy a sync round brought."""

from __future__ import annotations

from app.i18n import _
from app.services import access


def policy_tooltip() -> str:
    return _("The practice's policy forbids this on this workstation (set by the practice's "
             "owner in Réglages › Partage).")


def gate(item, principal, action: str, *, tooltip: str = "") -> None:
    """Show, enable and explain ``item`` (a QAction or a widget) for ``action``;
    ``tooltip``: its own when it is allowed."""
    forbidden = access.forbidden_by_policy(principal, action)
    may = access.allowed(principal, action)
    item.setVisible(may or forbidden)
    item.setEnabled(may)
    item.setToolTip(policy_tooltip() if forbidden else tooltip)


class PolicyGates:
    """The gated items of a window, re-gated when the policy may have changed."""

    def __init__(self, principal) -> None:
        self._principal = principal
        self._items: list[tuple[object, str, str]] = []

    def add(self, item, action: str, *, tooltip: str = "") -> None:
        self._items.append((item, action, tooltip))
        gate(item, self._principal, action, tooltip=tooltip)

    def refresh(self, *_args) -> None:
        for item, action, tooltip in self._items:
            gate(item, self._principal, action, tooltip=tooltip)
