"""Imports every model so that Alembic and the test fixtures see the whole schema."""
from .accounts.models import ApiToken, LoginAttempt, Organization, User  # noqa: F401
from .achievements.models import (  # noqa: F401
    Achievement,
    Completer,
    DisclosureRequest,
    DisclosureView,
    IPItem,
)
from .audit import AuditEntry  # noqa: F401
from .brokers.models import BrokerProfile, Engagement, Rating  # noqa: F401
from .contracts.models import Contract, NonTechnicalItem  # noqa: F401
from .credit.models import BlacklistEntry, Complaint, CreditEvent, CreditScore  # noqa: F401
from .files.models import StoredFile  # noqa: F401
from .inbox.models import Notification  # noqa: F401
from .listings.models import Bid, Deal, Intent, Listing  # noqa: F401
from .messages.models import Message, Thread, ThreadRead  # noqa: F401
from .needs.models import Need, Response  # noqa: F401
from .search.outbox import SearchOutbox  # noqa: F401
from .search.saved import SavedSearch, SavedSearchMatch  # noqa: F401
from .sequences import NumberSequence  # noqa: F401
from .settings import Setting  # noqa: F401
from .workdays import WorkdayOverride  # noqa: F401
