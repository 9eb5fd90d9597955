"""The market's clock: everything that depends on the time reads now() from here.

With MARKET_CLOCK_FILE set (tests only; refused in production), now() reads an ISO 8601
timestamp from that file, so a test can move the market's time forward.
"""
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def _clock_file():
    if not has_app_context():
        return None
    path = current_app.config.get("MARKET_CLOCK_FILE")
    if path and current_app.config.get("ENV_NAME") == "production":
        raise RuntimeError("MARKET_CLOCK_FILE is refused in production")
    return path


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    path = _clock_file()
    if path:
        text = Path(path).read_text(encoding="utf-8").strip() if Path(path).exists() else ""
        if text:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
    return datetime.now(UTC)


def today() -> date:
    """The current date in the market's own time zone (Asia/Shanghai)."""
    return now().astimezone(LOCAL_TZ).date()


def as_utc(moment: datetime | None) -> datetime | None:
    """Attach UTC to a naive datetime read back from the database."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
