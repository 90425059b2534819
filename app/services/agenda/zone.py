"""Practice time: the one zone every agenda rule and view uses, whatever the workstation's.

Wall times are (day, minutes since midnight). A wall time that does not exist (the hour
skipped on the last Sunday of March) maps forward by the gap, like a wall clock would; an
ambiguous one (the hour repeated in October) is its first occurrence. Day bounds come
from the zone, so a 23- or 25-hour day is as long as it really is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

UTC = timezone.utc


@dataclass(frozen=True)
class PracticeTime:
    zone_name: str

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def to_utc(self, day: date, minute: int) -> datetime:
        """The instant of ``day`` at ``minute`` minutes after local midnight."""
        days, minute = divmod(minute, 24 * 60)
        naive = datetime.combine(day + timedelta(days=days), time(minute // 60, minute % 60))
        local = naive.replace(tzinfo=self.zone, fold=0)
        instant = local.astimezone(UTC)
        if instant.astimezone(self.zone).replace(tzinfo=None) != naive:
            # Skipped wall time: fold=0 used the offset before the gap, i.e. the wall
            # clock reading after the jump; that is the instant we want.
            instant = naive.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
            instant = max(instant, local.astimezone(UTC))
        return instant

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return self.to_utc(day, hour * 60 + minute)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def day_of(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def wall_minute(self, instant: datetime) -> int:
        """What the practice's clock reads, in minutes after midnight (09:00 -> 540)."""
        local = instant.astimezone(self.zone)
        return local.hour * 60 + local.minute

    def day_start(self, day: date) -> datetime:
        return self.to_utc(day, 0)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        return self.day_start(day), self.day_start(day + timedelta(days=1))

    def day_minutes(self, day: date) -> int:
        """1440, or 1380 / 1500 on the days the clocks change."""
        start, end = self.day_bounds(day)
        return int((end - start).total_seconds() // 60)

    def today(self, now: datetime) -> date:
        return self.day_of(now)

    def offset_from(self, other: ZoneInfo | timezone, now: datetime) -> timedelta:
        """How far the practice's clock is ahead of ``other``'s at ``now``."""
        mine = now.astimezone(self.zone).utcoffset() or timedelta()
        theirs = now.astimezone(other).utcoffset() or timedelta()
        return mine - theirs
