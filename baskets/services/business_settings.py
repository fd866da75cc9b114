"""Changing the live business settings (``basketops.business``), each change audited."""

from typing import Any

from constance import config
from django.db import transaction
from django.utils import timezone

from basketops.business import LIVE_SETTINGS, business_setting_stored

from ..models import BusinessSettingChange
from .actors import Actor

LIVE_KEYS = frozenset(key for key, _convert in LIVE_SETTINGS.values())


def business_settings_change(*, changes: dict[str, Any], actor: Actor) -> list[str]:
    """Save the settings whose value differs, with one audit row each (who, when, old, new),
    in one transaction; returns the names changed. Unknown names change nothing."""
    unknown = sorted(set(changes) - LIVE_KEYS)
    if unknown:
        raise ValueError(f"Not live business settings: {', '.join(unknown)}")
    now = timezone.now()
    changed = []
    with transaction.atomic():
        for name, new in changes.items():
            stored = business_setting_stored(name)
            old = stored if stored is not None else getattr(config, name)
            if old == new:
                continue
            setattr(config, name, new)
            BusinessSettingChange.objects.create(
                name=name,
                old_value=old,
                new_value=new,
                actor=actor.user,
                actor_label=actor.label[:150],
                changed_at=now,
            )
            changed.append(name)
    return changed
