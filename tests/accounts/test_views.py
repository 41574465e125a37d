"""Account flows over HTTP: sign-up, verification, log in/out, reset, roles, CLI, CSRF."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Blueprint, Flask
from flask.testing import FlaskClient, FlaskCliRunner

from esof.accounts.auth import roles_required
from esof.accounts.models import AuditLog, Role, User
from esof.extensions import db
from esof.tokens import make_token
from tests.accounts.factories import clock_shifted, link_in, outbox, with_altered_signature
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD, csrf_token_from, log_in, submit_form

PASSWORD = "a long enough secret"


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def flashes(client: FlaskClient) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def is_logged_in(client: FlaskClient) -> bool:
    response = client.get("/account/")
    return response.status_code == 200


@pytest.fixture
def user(app: Flask) -> User:
    created = UserFactory(email="ada@example.org", display_name="Ada")
    db.session.commit()
    return created


# --- sign-up ---------------------------------------------------------------------------------


def test_signup_creates_account_queues_mail_and_logs_nobody_in(client: FlaskClient) -> None:
    response = submit_form(
        client,
        "/account/signup",
        {"display_name": "Ada Lovelace", "email": "Ada@Example.org", "password": PASSWORD, "language": "nl"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    # The new user chose Dutch, so the answer is in Dutch already.
    assert flashes(client) == [
        ("success", "Kijk in je inbox: we hebben een mail met de volgende stap gestuurd naar ada@example.org.")
    ]
    user = user_by_email("ada@example.org")
    assert (user.display_name, user.language, user.roles, user.is_verified) == (
        "Ada Lovelace", "nl", {Role.DELEGATE}, False,
    )
    assert user.password_hash.startswith("$argon2id$")
    [message] = outbox()
    assert message.to_address == "ada@example.org"
    assert link_in(message).startswith("/account/verify/")
    assert is_logged_in(client) is False


def signup_answer(app: Flask, email: str) -> dict[str, object]:
    """What a browser sees when signing up with `email`: the answer, its cookie, the next page.

    The address itself (echoed in the flash) and per-browser random values are masked."""
    client = app.test_client()
    response = submit_form(
        client, "/account/signup",
        {"display_name": "Somebody", "email": email, "password": PASSWORD, "language": "en"},
    )
    with client.session_transaction() as session:
        session_keys = sorted(session.keys())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return {
        "status": response.status_code,
        "location": response.headers["Location"],
        "body": response.get_data(as_text=True),
        "headers": sorted(
            (name, value.split(";", 1)[1] if name == "Set-Cookie" else value)  # the attributes, not the value
            for name, value in response.headers.items()
            # The limit's counters: one count and one clock for both answers.
            if name not in ("X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")
        ),
        "session keys": session_keys,
        "next page": page.replace(csrf_token_from(page), "").replace(email.lower(), "ADDRESS"),
        "logged in": is_logged_in(client),
    }


def test_signup_with_a_known_address_answers_exactly_as_for_a_new_one(app: Flask, user: User) -> None:
    known = signup_answer(app, "ADA@example.org")
    new = signup_answer(app, "grace@example.org")

    assert known == new
    assert (new["status"], new["location"], new["logged in"]) == (302, "/account/login", False)
    assert "Check your inbox: we sent a mail to ADDRESS with the next step." in new["next page"]
    assert "already exists" not in new["next page"]


def test_signup_with_a_known_address_mails_the_owner_and_changes_nothing(
    client: FlaskClient, user: User
) -> None:
    old_hash = user.password_hash

    submit_form(
        client, "/account/signup",
        {"display_name": "Impostor", "email": "ADA@example.ORG", "password": PASSWORD, "language": "en"},
    )

    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    stored = user_by_email("ada@example.org")
    assert (stored.display_name, stored.password_hash, stored.is_verified) == ("Ada", old_hash, True)
    [message] = outbox()
    assert (message.to_address, message.subject) == (
        "ada@example.org", "Someone tried to create an ESOF 2022 account with your address",
    )
    assert message.body_text.startswith("Dear Ada,\n\nSomeone, perhaps you, tried to create an ESOF 2022 account")
    assert "If it was you, log in with your password:\n\nhttp://esof.test/account/login\n" in message.body_text
    assert 'href="http://esof.test/account/login"' in message.body_html
    # The reset link in it works: the owner who forgot the password gets back in.
    reset = link_in(message)
    assert reset.startswith("/account/password-reset/")
    response = submit_form(client, reset, {"password": "brand new secret", "confirm": "brand new secret"})
    assert response.headers["Location"] == "/account/login"
    log_in(client, "ada@example.org", "brand new secret")


def test_signup_with_a_known_address_mails_the_owner_in_the_owners_language(client: FlaskClient) -> None:
    UserFactory(email="piet@example.org", display_name="Piet", language="nl")
    db.session.commit()

    submit_form(
        client, "/account/signup",
        {"display_name": "Someone", "email": "piet@example.org", "password": PASSWORD, "language": "en"},
    )

    [message] = outbox()
    assert (message.language, message.subject) == (
        "nl", "Iemand probeerde met jouw adres een ESOF 2022-account aan te maken",
    )
    assert message.body_text.startswith("Beste Piet,")


def test_signup_with_the_address_of_a_deactivated_account_mails_nobody(client: FlaskClient) -> None:
    UserFactory(email="gone@example.org", is_active_account=False)
    db.session.commit()

    response = submit_form(
        client, "/account/signup",
        {"display_name": "Someone", "email": "gone@example.org", "password": PASSWORD, "language": "en"},
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/account/login")
    assert outbox() == []


@pytest.mark.parametrize("email", ["ada@example.org", "grace@example.org"])
def test_signup_weak_password_is_refused_alike_for_known_and_new_address(
    client: FlaskClient, user: User, email: str
) -> None:
    response = submit_form(
        client, "/account/signup",
        {"display_name": "Somebody", "email": email, "password": email, "language": "en"},
    )

    assert response.status_code == 422
    assert "Do not use your email address as password." in response.get_data(as_text=True)
    assert outbox() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-address"}, "Invalid email address."),
        ({"password": "short"}, "Field must be between 10 and 200 characters long."),
        ({"display_name": ""}, "This field is required."),
        ({"language": "de"}, "Not a valid choice."),
    ],
)
def test_signup_bad_input_is_shown_and_nothing_created(
    client: FlaskClient, data: dict[str, str], message: str
) -> None:
    form = {"display_name": "Ada", "email": "ada@example.org", "password": PASSWORD, "language": "en", **data}

    response = submit_form(client, "/account/signup", form)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# --- email verification -----------------------------------------------------------------------


def test_verification_link_from_mail_confirms_address(client: FlaskClient) -> None:
    submit_form(
        client,
        "/account/signup",
        {"display_name": "Ada", "email": "ada@example.org", "password": PASSWORD, "language": "en"},
    )
    link = link_in(outbox()[0])

    response = client.get(link)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"
    assert user_by_email("ada@example.org").is_verified is True
    assert "Thank you, your email address is confirmed." in client.get("/account/").get_data(as_text=True)


def test_verification_link_in_another_browser_confirms_but_logs_nobody_in(app: Flask) -> None:
    submit_form(
        app.test_client(),
        "/account/signup",
        {"display_name": "Ada", "email": "ada@example.org", "password": PASSWORD, "language": "en"},
    )
    other_browser = app.test_client()

    response = other_browser.get(link_in(outbox()[0]))

    assert response.headers["Location"] == "/account/login"
    assert user_by_email("ada@example.org").is_verified is True
    assert is_logged_in(other_browser) is False


def test_signup_with_a_known_unconfirmed_address_sends_no_confirmation_link(app: Flask) -> None:
    """Whoever signs up with Ada's address never holds a link that would log them in as Ada."""
    UserFactory(email="ada@example.org", email_verified_at=None)
    db.session.commit()
    attacker = app.test_client()
    submit_form(attacker, "/account/signup",
                {"display_name": "X", "email": "ada@example.org", "password": PASSWORD, "language": "en"})
    [message] = outbox()

    assert link_in(message).startswith("/account/password-reset/")  # not a confirmation link
    assert is_logged_in(attacker) is False


def test_verification_link_expired_says_so(client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    user = UserFactory(email_verified_at=None)
    db.session.commit()
    token = make_token("verify-email", {"id": user.id, "email": user.email})

    with clock_shifted(monkeypatch, app.config["EMAIL_VERIFY_MAX_AGE"] + 1):
        response = client.get(f"/account/verify/{token}")

    assert response.status_code == 400
    assert "This link has expired. Request a new one." in response.get_data(as_text=True)
    assert user_by_email(user.email).is_verified is False


def test_verification_link_forged_is_refused(client: FlaskClient) -> None:
    user = UserFactory(email_verified_at=None)
    db.session.commit()
    token = make_token("verify-email", {"id": user.id, "email": user.email})

    response = client.get(f"/account/verify/{with_altered_signature(token)}")

    assert response.status_code == 400
    assert "This link is not valid. Request a new one." in response.get_data(as_text=True)
    assert user_by_email(user.email).is_verified is False


def test_resend_verification_queues_new_link(client: FlaskClient) -> None:
    UserFactory(email="new@example.org", email_verified_at=None)
    db.session.commit()
    log_in(client, "new@example.org")

    response = submit_form(client, "/account/verify/resend", {}, page="/account/")

    assert response.status_code == 302
    assert [m.to_address for m in outbox()] == ["new@example.org"]


# --- log in and out ---------------------------------------------------------------------------


def test_login_with_right_password_logs_in(client: FlaskClient, user: User) -> None:
    response = submit_form(client, "/account/login", {"email": "ADA@example.org", "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"
    assert client.get_cookie("remember_token") is None
    assert user_by_email("ada@example.org").last_login_at is not None
    assert is_logged_in(client) is True


@pytest.mark.parametrize("email", ["ada@example.org", "nobody@example.org"])
def test_login_wrong_password_or_unknown_address_same_message(client: FlaskClient, user: User, email: str) -> None:
    response = submit_form(client, "/account/login", {"email": email, "password": "wrong password"})

    assert response.status_code == 422
    assert "The email address or password is not correct." in response.get_data(as_text=True)
    assert is_logged_in(client) is False


def test_login_remember_me_sets_cookie_that_outlives_session(client: FlaskClient, user: User) -> None:
    submit_form(client, "/account/login", {"email": "ada@example.org", "password": DEMO_PASSWORD, "remember": "y"})

    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    assert is_logged_in(client) is True


def test_login_next_path_is_followed(client: FlaskClient, user: User) -> None:
    response = submit_form(
        client,
        "/account/login?next=/account/%3Ftab%3Dprofile",
        {"email": "ada@example.org", "password": DEMO_PASSWORD},
    )

    assert response.headers["Location"] == "/account/?tab=profile"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example", "///evil.example"])
def test_login_next_to_other_site_is_refused(client: FlaskClient, user: User, target: str) -> None:
    response = submit_form(
        client, "/account/login", {"email": "ada@example.org", "password": DEMO_PASSWORD},
        query_string={"next": target},
        page="/account/login",
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"


def test_logout_requires_post(client: FlaskClient, user: User) -> None:
    log_in(client, "ada@example.org")

    assert client.get("/account/logout").status_code == 405
    assert is_logged_in(client) is True


def test_logout_without_csrf_token_is_refused(client: FlaskClient, user: User) -> None:
    log_in(client, "ada@example.org")

    response = client.post("/account/logout")

    assert response.status_code == 400
    assert is_logged_in(client) is True


def test_logout_with_csrf_token_logs_out(client: FlaskClient, user: User) -> None:
    log_in(client, "ada@example.org")

    response = submit_form(client, "/account/logout", {}, page="/account/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_logged_in(client) is False
    # A shared door phone keeps no door list, scan queue or cached page after log-out.
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_login_without_csrf_token_is_refused(client: FlaskClient, user: User) -> None:
    response = client.post("/account/login", data={"email": "ada@example.org", "password": DEMO_PASSWORD})

    assert response.status_code == 400
    assert "The form has expired or is missing its security token." in response.get_data(as_text=True)
    assert is_logged_in(client) is False


def test_signup_with_wrong_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/account/signup")
    response = client.post(
        "/account/signup",
        data={"csrf_token": "forged", "display_name": "A", "email": "a@example.org", "password": PASSWORD,
              "language": "en"},
    )

    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_request_same_answer_for_known_and_unknown(app: Flask, user: User) -> None:
    answers = []
    for email in ("ada@example.org", "nobody@example.org"):
        client = app.test_client()
        response = submit_form(client, "/account/password-reset", {"email": email})
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], page.replace(csrf_token_from(page), "")))

    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, "/account/login")
    assert "If an account exists for that address, we sent it a link to set a new password." in answers[0][2]
    assert [m.to_address for m in outbox()] == ["ada@example.org"]


def test_password_reset_link_works_once_and_ends_other_sessions(app: Flask, user: User) -> None:
    other_device = app.test_client()
    log_in(other_device, "ada@example.org")
    client = app.test_client()
    submit_form(client, "/account/password-reset", {"email": "ada@example.org"})
    link = link_in(outbox()[0])

    response = submit_form(client, link, {"password": "brand new secret", "confirm": "brand new secret"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    assert is_logged_in(other_device) is False
    assert client.get(link).status_code == 400
    assert "This link is not valid. Request a new one." in client.get(link).get_data(as_text=True)
    log_in(client, "ada@example.org", "brand new secret")
    assert db.session.scalars(sa.select(AuditLog.action)).all() == ["password-reset"]


def test_password_reset_mismatched_confirmation_is_refused(client: FlaskClient, user: User) -> None:
    submit_form(client, "/account/password-reset", {"email": "ada@example.org"})
    link = link_in(outbox()[0])
    old_hash = user.password_hash

    response = submit_form(client, link, {"password": "brand new secret", "confirm": "something else"})

    assert response.status_code == 200
    assert "The passwords do not match." in response.get_data(as_text=True)
    assert user_by_email("ada@example.org").password_hash == old_hash


# --- roles ------------------------------------------------------------------------------------


@pytest.fixture
def guarded(app: Flask) -> Iterator[Flask]:
    """A test-only page for organisers, guarded by the one role decorator."""
    test_bp = Blueprint("test_guarded", __name__)

    @test_bp.get("/test-only/organisers")
    @roles_required(Role.ORGANISER)
    def organisers_only() -> str:
        return "organisers welcome"

    app.register_blueprint(test_bp)
    yield app


@pytest.mark.parametrize("roles", [[Role.DELEGATE], [Role.PARTNER, Role.SPEAKER], [Role.CHECKIN]])
def test_roles_required_refuses_other_roles_with_403(guarded: Flask, roles: list[Role]) -> None:
    UserFactory(email="someone@example.org", roles=roles)
    db.session.commit()
    client = guarded.test_client()
    log_in(client, "someone@example.org")

    response = client.get("/test-only/organisers")

    assert response.status_code == 403
    assert "You do not have permission to see this page." in response.get_data(as_text=True)


@pytest.mark.parametrize("roles", [[Role.ORGANISER], [Role.ADMIN], [Role.DELEGATE, Role.ORGANISER]])
def test_roles_required_lets_in_organiser_and_admin(guarded: Flask, roles: list[Role]) -> None:
    UserFactory(email="someone@example.org", roles=roles)
    db.session.commit()
    client = guarded.test_client()
    log_in(client, "someone@example.org")

    response = client.get("/test-only/organisers")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "organisers welcome"


def test_roles_required_sends_anonymous_to_login(guarded: Flask) -> None:
    client = guarded.test_client()

    response = client.get("/test-only/organisers")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=/test-only/organisers"
    assert flashes(client) == [("info", "Please log in to see this page.")]


def test_roles_required_returns_to_page_after_login(guarded: Flask) -> None:
    UserFactory(email="boss@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    client = guarded.test_client()
    login_url = client.get("/test-only/organisers").headers["Location"]

    response = submit_form(client, login_url, {"email": "boss@example.org", "password": DEMO_PASSWORD})

    assert response.headers["Location"] == "/test-only/organisers"


def test_login_required_page_redirects_anonymous(client: FlaskClient) -> None:
    response = client.get("/account/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=/account/"


# --- create-user command ----------------------------------------------------------------------


def test_create_user_command_creates_verified_organiser(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "Boss@Example.org", "--role", "organiser", "--name", "The Boss"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "Created boss@example.org with roles organiser" in result.output
    user = user_by_email("boss@example.org")
    assert (user.display_name, user.roles, user.is_verified) == ("The Boss", {Role.ORGANISER}, True)
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_command_rerun_adds_roles(runner: FlaskCliRunner) -> None:
    args = ["create-user", "boss@example.org", "--password", PASSWORD]
    runner.invoke(args=[*args, "--role", "organiser"])

    result = runner.invoke(args=[*args, "--role", "checkin", "--role", "admin"])

    assert result.exit_code == 0, result.output
    assert "boss@example.org now has roles admin, checkin, organiser" in result.output
    assert user_by_email("boss@example.org").roles == {Role.ORGANISER, Role.CHECKIN, Role.ADMIN}


def test_create_user_command_weak_password_fails(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-user", "boss@example.org", "--password", "short"])

    assert result.exit_code == 1
    assert "Use at least 10 characters." in result.output
    assert user_by_email("boss@example.org") is None


def test_create_user_command_unknown_role_fails(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-user", "boss@example.org", "--password", PASSWORD, "--role", "king"])

    assert result.exit_code == 2
    assert user_by_email("boss@example.org") is None


# --- account page ----------------------------------------------------------------------------


def test_account_page_shows_email_and_profile_form(client: FlaskClient, user: User) -> None:
    log_in(client, "ada@example.org")

    html = client.get("/account/").get_data(as_text=True)

    assert "ada@example.org" in html
    assert (
        '<input autocomplete="name" id="display_name" maxlength="200" name="display_name" required '
        'type="text" value="Ada">' in html
    )
    assert '<option selected value="en">English</option><option value="nl">Nederlands</option>' in html
    assert "Log out everywhere" in html


def test_account_profile_change_saves_and_switches_language(client: FlaskClient, user: User) -> None:
    log_in(client, "ada@example.org")

    response = submit_form(client, "/account/", {"display_name": "Ada L.", "language": "nl"})

    assert response.status_code == 302
    stored = user_by_email("ada@example.org")
    assert (stored.display_name, stored.language) == ("Ada L.", "nl")
    page = client.get("/account/").get_data(as_text=True)
    assert '<html lang="nl">' in page


def test_account_profile_empty_name_is_refused(client: FlaskClient, user: User) -> None:
    log_in(client, "ada@example.org")

    response = submit_form(client, "/account/", {"display_name": "", "language": "en"})

    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    assert user_by_email("ada@example.org").display_name == "Ada"


def test_logout_everywhere_ends_every_session(app: Flask, user: User) -> None:
    phone = app.test_client()
    submit_form(phone, "/account/login", {"email": "ada@example.org", "password": DEMO_PASSWORD, "remember": "y"})
    laptop = app.test_client()
    log_in(laptop, "ada@example.org")
    nonce = user.login_nonce

    response = submit_form(laptop, "/account/logout-everywhere", {}, page="/account/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    assert user_by_email("ada@example.org").login_nonce != nonce
    assert is_logged_in(laptop) is False
    assert is_logged_in(phone) is False
    phone.delete_cookie("session")
    assert is_logged_in(phone) is False  # the remember cookie is worthless too


def test_language_switch_refuses_other_sites(client: FlaskClient) -> None:
    response = client.get("/language/nl", query_string={"next": "//evil.example"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert '<html lang="nl">' in client.get("/").get_data(as_text=True)


def switch_language(client: FlaskClient, code: str, next_path: str, page: str = "/account/") -> object:
    """Press the language button in the layout of `page`, as a browser would."""
    return submit_form(client, f"/language/{code}", {"next": next_path}, page=page)


def test_language_switch_saves_the_account_language(client: FlaskClient, user: User) -> None:
    log_in(client, "ada@example.org")

    response = switch_language(client, "nl", "/account/")

    assert (response.status_code, response.headers["Location"]) == (302, "/account/")
    assert user_by_email("ada@example.org").language == "nl"  # the mails follow it
    assert '<html lang="nl">' in client.get("/account/").get_data(as_text=True)


def test_language_switch_post_refuses_other_sites(client: FlaskClient, user: User) -> None:
    log_in(client, "ada@example.org")

    response = switch_language(client, "nl", "//evil.example")

    assert response.headers["Location"] == "/"
    assert user_by_email("ada@example.org").language == "nl"


def test_language_switch_without_csrf_token_changes_nothing(client: FlaskClient, user: User) -> None:
    log_in(client, "ada@example.org")

    response = client.post("/language/nl", data={"next": "/account/"})

    assert response.status_code == 400
    assert user_by_email("ada@example.org").language == "en"
    assert '<html lang="en">' in client.get("/account/").get_data(as_text=True)


def test_language_link_changes_this_browser_but_never_the_account(client: FlaskClient, user: User) -> None:
    """A GET can come from a link or an image on any site: it must not write to the database."""
    log_in(client, "ada@example.org")

    response = client.get("/language/nl", query_string={"next": "/account/"})

    assert (response.status_code, response.headers["Location"]) == (302, "/account/")
    assert '<html lang="nl">' in client.get("/account/").get_data(as_text=True)
    assert user_by_email("ada@example.org").language == "en"
