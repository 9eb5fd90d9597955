"""The database unreachable: a friendly 503 page in the user's language (no trace, no SQL), a
JSON error on the API, and the app answering normally again once the database is back."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from marketplace.extensions import db


@pytest.fixture
def down_app(make_app, tmp_path):
    """An app whose database file cannot be opened (its folder does not exist)."""
    return make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'gone' / 'market.db'}")


@pytest.mark.parametrize(("lang", "text"), [("en", "Temporarily unavailable"),
                                            ("zh", "暂时无法访问")])
def test_pages_answer_503_in_the_users_language(down_app, lang, text):
    response = down_app.test_client().get(f"/listings?lang={lang}")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert text in body
    assert "Traceback" not in body and "SELECT" not in body and "sqlite" not in body.lower()


def test_the_api_answers_503_as_json(down_app):
    response = down_app.test_client().get("/api/v1/listings",
                                          headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.get_json() == {"error": {
        "code": "unavailable",
        "message": "The service is briefly unavailable; please try again in a minute."}}


def test_a_lost_connection_answers_503_and_the_next_request_recovers(app, monkeypatch):
    """A connection dropped mid-request (DBAPIError with connection_invalidated) is a 503 too;
    the next request gets a fresh connection (pool_pre_ping) and a normal answer."""
    client = app.test_client()
    calls = {"n": 0}

    def dropped(*args, **kwargs):
        calls["n"] += 1
        raise sa.exc.DBAPIError("SELECT secret FROM users", {}, Exception("server closed the "
                                "connection unexpectedly"), connection_invalidated=True)

    monkeypatch.setattr(db.session, "execute", dropped, raising=False)
    monkeypatch.setattr(db.session, "scalars", dropped, raising=False)
    monkeypatch.setattr(db.session, "scalar", dropped, raising=False)
    response = client.get("/api/v1/listings")
    assert calls["n"] and response.status_code == 503
    assert "secret" not in response.get_data(as_text=True)
    monkeypatch.undo()
    assert client.get("/api/v1/listings").status_code == 200
    assert client.get("/listings").status_code == 200


def test_other_database_errors_stay_500(app):
    """Only a lost or refused connection is "unavailable": a broken statement is a bug."""
    @app.get("/boom-test")
    def boom():
        raise sa.exc.ProgrammingError("SELECT nothing", {}, Exception("syntax error"))

    response = app.test_client().get("/boom-test?lang=en")
    assert response.status_code == 500
    assert "SELECT" not in response.get_data(as_text=True)


def test_operational_error_class_is_what_sqlite_raises_when_down(down_app):
    with down_app.app_context(), pytest.raises(OperationalError):
        db.session.execute(sa.text("SELECT 1"))
