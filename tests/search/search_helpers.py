"""Search test helpers: records written as a service writes them, and a look into the index."""
from marketplace import clock
from marketplace.achievements.models import Achievement
from marketplace.achievements.states import AchievementStatus
from marketplace.extensions import db
from marketplace.search.outbox import queue_search_update
from marketplace.search.store import get_store
from tests.factories import make_org, make_user


class Records:
    """Achievements written straight to the database with their outbox row, as a service
    would write them (the services' own paths are tested through them elsewhere)."""

    def __init__(self, app):
        self.app = app
        self._owners = {}

    def owner(self, county):
        if county not in self._owners:
            org = make_org(kind="research_institute", county=county)
            self._owners[county] = (org.id, make_user("institute", org=org).id)
        return self._owners[county]

    def achievement(self, title, summary="", keywords=(), *, title_en="", field="coal",
                    county="141102", maturity=7, status=AchievementStatus.REGISTERED):
        """A record with its outbox row, committed; returns its id."""
        with self.app.app_context():
            org_id, user_id = self.owner(county)
            moment = clock.now()
            record = Achievement(
                owner_org_id=org_id, created_by_id=user_id, title=title, title_en=title_en,
                category="applied", field=field, keywords=list(keywords), summary=summary,
                details="保密内容", maturity=maturity, secrecy="none", status=status,
                created_at=moment, updated_at=moment,
                registered_at=moment if status == AchievementStatus.REGISTERED else None)
            db.session.add(record)
            db.session.flush()
            queue_search_update("achievement", record.id)
            db.session.commit()
            return record.id

    def change(self, record_id, **values):
        """Change columns of a record as a service would (with its outbox row)."""
        with self.app.app_context():
            record = db.session.get(Achievement, record_id)
            for name, value in values.items():
                setattr(record, name, value)
            record.updated_at = clock.now()
            queue_search_update("achievement", record_id)
            db.session.commit()


def indexed_keys(app):
    """The keys of every document in the index."""
    with app.app_context():
        with get_store().open()[1].searcher() as searcher:
            return sorted(fields["key"] for fields in searcher.all_stored_fields())
