"""Account pages: register, log in, log out, the app lock, recover, change password, devices, API tokens, reminders, delete.

Each route reads its form, calls one use case in ``services.accounts`` and
renders or redirects. Login, recovery and registration spend rate-limit tokens
first (per client address, and for login per account, or per device when the
browser holds a device cookie for that account), so guessing is slow even
across restarts, and a stranger's guesses cannot lock a person out of a
device they have used. A login or recovery that succeeds gives its tokens
back: the limits count failures, so the sixth correct login in a minute is
not refused (issue 12, point 8).

A person's first login (any login while the account has no recovery codes)
leads to a welcome step: confirm the time zone the browser reported at
registration and the country for help lines, then see eight recovery codes,
once. Codes are not shown at registration itself, because that page must look
the same whether or not the address already had an account. Password hashing runs in a few slots only; when all
are busy the answer is 503 with ``Retry-After``. Registration answers the
same whether or not the address has an account (``services.accounts.sign_up``).

"Keep me signed in on this device" on the login form starts a kept session
(``services.accounts``): the Account page lists kept devices and signs them
out one by one or all at once, and sets the PIN that a kept device asks for
after it has been idle. ``/lock`` is that PIN screen; every other route
answers a locked session with it too (``deps.unlocked``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ketpath.core.records import Record, RecordError, latest_profile
from ketpath.present import views
from ketpath.present.format import local_time
from ketpath.present.i18n import N_, _, ngettext
from ketpath.services import Author, accounts, audit, log_record, own_entries
from ketpath.services import reminders as reminder_service
from ketpath.services.accounts import (
    AccountError,
    HashingBusy,
    LoginRefused,
    RateLimited,
    RecoveryRefused,
    User,
)
from ketpath.services.onboarding import needs_onboarding
from ketpath.services.read import person_locale, person_zone
from ketpath.services.reminders import ReminderError
from ketpath.web import pages, reminders
from ketpath.web.auth import (
    clear_device_cookie,
    clear_session_cookie,
    device_token,
    session_token,
    set_device_cookie,
    set_session_cookie,
)
from ketpath.web.deps import MaybeSignedIn, SignedIn, database, session_of, settings
from ketpath.web.errors import TOO_MANY
from ketpath.web.language import language_of, remember_language
from ketpath.web.templating import render

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=2000)]
LOGIN_FAILED = N_("That email and password do not match an account.")
RECOVERY_FAILED = N_(
    "That email and recovery code do not match an account, or the code has already been used."
)
RECOVERED = N_(
    "Your new password is set, and the recovery code you used no longer works. "
    "You were logged out everywhere else."
)
REGISTERED = N_(
    "If this address can be used, your account is ready: log in with it and the password "
    "you just chose. If you already had an account with this address, nothing has changed: "
    "log in with your existing password."
)
WEEKDAY_WORDS = {
    "Monday": N_("Monday"),
    "Tuesday": N_("Tuesday"),
    "Wednesday": N_("Wednesday"),
    "Thursday": N_("Thursday"),
    "Friday": N_("Friday"),
    "Saturday": N_("Saturday"),
    "Sunday": N_("Sunday"),
}
"""The reminder's days (``services.reminders.WEEKDAYS``), marked so the form shows them translated."""
BUSY = N_("The server is busy. Try again in %(seconds)s seconds.")


def _hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.hasher
    return hasher


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


Spent = list[tuple[str, int]]
"""The buckets an attempt spent from: (key, capacity), to give back when it succeeds."""


def _spend(request: Request, key: str, capacity: int, refill_seconds: float, spent: Spent) -> None:
    accounts.take_token(
        database(request), key=key, capacity=capacity, refill_seconds=refill_seconds
    )
    spent.append((key, capacity))


def _limit_address(request: Request, spent: Spent | None = None) -> None:
    config = settings(request)
    key = accounts.rate_limit_key("address", _client_address(request))
    spent = spent if spent is not None else []
    _spend(request, key, config.address_attempts, config.address_refill_seconds, spent)


def _limit_sign_in(request: Request, email: str) -> Spent:
    """Spend from the address's bucket and the account's (or this known device's)."""
    config = settings(request)
    spent: Spent = []
    _limit_address(request, spent)
    device = _known_device(request, email)
    if device is None:
        key = accounts.rate_limit_key("login", email.strip().lower())
        _spend(request, key, config.login_attempts, config.login_refill_seconds, spent)
    else:
        key = accounts.rate_limit_key("device", str(device))
        _spend(request, key, config.device_attempts, config.device_refill_seconds, spent)
    return spent


def _give_back(request: Request, spent: Spent) -> None:
    for key, capacity in spent:
        accounts.give_back_token(database(request), key=key, capacity=capacity)


def _known_device(request: Request, email: str) -> int | None:
    token = device_token(request)
    if token is None:
        return None
    return accounts.known_device(database(request), token=token, email=email)


def _busy(
    request: Request, template: str, error: HashingBusy, context: dict[str, object] | None = None
) -> Response:
    message = _(BUSY, seconds=error.retry_after)
    response = render(request, template, {**(context or {}), "error": message}, status=503)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _too_many(request: Request, template: str, error: RateLimited) -> Response:
    response = render(
        request,
        template,
        {"error": _(TOO_MANY, seconds=error.retry_after)},
        status=429,
    )
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _signed_in(request: Request, user_id: int, *, to: str = "/", kept: bool = False) -> Response:
    config = settings(request)
    token = accounts.start_session(
        database(request),
        user_id=user_id,
        policy=config.session_policy,
        kept=kept,
        user_agent=request.headers.get("user-agent"),
        now=config.now(),
    )
    response = _see_other(to)
    max_age = int(config.kept_session.total_seconds()) if kept else None
    set_session_cookie(response, request, token, max_age=max_age)
    return response


# ---------------------------------------------------------------- log in and out


@router.get("/login", name="login")
def login_page(request: Request, user: MaybeSignedIn) -> Response:
    if user is not None:
        return _see_other("/")
    return render(request, "login.html", {})


@router.post("/login")
def login(
    request: Request,
    email: FormText,
    password: FormText,
    keep: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Check the password and start a session: kept on this device when ``keep`` is ticked."""
    try:
        spent = _limit_sign_in(request, email)
    except RateLimited as error:
        return _too_many(request, "login.html", error)
    try:
        user = accounts.authenticate(
            database(request), email=email, password=password, hasher=_hasher(request)
        )
    except HashingBusy as error:
        _give_back(request, spent)  # nothing was checked
        return _busy(request, "login.html", error, {"email": email})
    except LoginRefused:
        audit.record_authentication(database(request), action="login-failed")
        return render(request, "login.html", {"error": _(LOGIN_FAILED), "email": email}, status=400)
    _give_back(request, spent)
    audit.record_authentication(database(request), action="login", user=user)
    response = _signed_in(
        request, user.id, to=_home_after_sign_in(request, user), kept=keep == "on"
    )
    _keep_device(request, response, user)
    remember_language(response, user)
    return response


def _home_after_sign_in(request: Request, user: User) -> str:
    """The welcome step while a person has no recovery codes, else the home page."""
    if user.person_name is not None and not accounts.recovery_codes_left(
        database(request), user_id=user.id
    ):
        return "/welcome"
    return "/"


def _keep_device(request: Request, response: Response, user: User) -> None:
    device_cookie = accounts.remember_device(
        database(request), user_id=user.id, token=device_token(request)
    )
    set_device_cookie(response, request, device_cookie)


@router.post("/logout", name="logout")
def logout(request: Request, user: MaybeSignedIn) -> Response:
    token = session_token(request)
    if token is not None:
        accounts.end_session(database(request), token=token)
    if user is not None:
        audit.record_authentication(database(request), action="logout", user=user)
    response = _see_other("/login")
    clear_session_cookie(response, request)
    return response


# ---------------------------------------------------------------- the app lock

PIN_ENDED = N_(
    "Five wrong PINs: this device has been signed out. Log in with your email and password."
)


def _safe_next(target: str) -> str:
    """Back to a page of this site after unlocking; anything else goes home."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _lock_screen(request: Request, next_page: str, error: str | None, status: int) -> Response:
    context = {"user": None, "next": _safe_next(next_page), "error": error}
    return render(request, "lock.html", context, status=status)


@router.get("/lock", name="lock")
def lock_page(request: Request, next: str = "/") -> Response:
    """The PIN screen of a locked session; anyone else is sent on."""
    found = session_of(request)
    if found is None:
        return _see_other("/login")
    if not found.locked:
        return _see_other(_safe_next(next))
    return _lock_screen(request, next, None, 423)


@router.post("/lock")
def unlock(
    request: Request,
    pin: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Open a locked session with the PIN; rate limited, and five wrong PINs end the session."""
    found = session_of(request)
    if found is None:
        return _see_other("/login")
    if not found.locked:
        return _see_other(_safe_next(next))
    config = settings(request)
    spent: Spent = []
    try:
        _limit_address(request, spent)
        key = accounts.rate_limit_key("pin", str(found.user.id))
        _spend(request, key, config.pin_attempts, config.pin_refill_seconds, spent)
    except RateLimited as error:
        message = _(TOO_MANY, seconds=error.retry_after)
        response = _lock_screen(request, next, message, 429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    try:
        accounts.unlock_session(
            database(request),
            session_id=found.id,
            pin=pin.strip(),
            hasher=_hasher(request),
            now=config.now(),
        )
    except HashingBusy as error:
        _give_back(request, spent)
        message = _(BUSY, seconds=error.retry_after)
        response = _lock_screen(request, next, message, 503)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except accounts.PinRefused as error:
        message = ngettext(
            "That PIN is not right. %(num)s try left.",
            "That PIN is not right. %(num)s tries left.",
            error.left,
        )
        return _lock_screen(request, next, message, 400)
    except accounts.SessionEnded:
        audit.record_authentication(database(request), action="logout", user=found.user)
        response = render(request, "login.html", {"user": None, "error": _(PIN_ENDED)}, status=401)
        clear_session_cookie(response, request)
        return response
    _give_back(request, spent)
    return _see_other(_safe_next(next))


# ---------------------------------------------------------------- register


@router.get("/register", name="register")
def register_page(request: Request, user: MaybeSignedIn) -> Response:
    if user is not None:
        return _see_other("/")
    return render(request, "register.html", {"min_length": accounts.MIN_PASSWORD_LENGTH})


@router.post("/register")
def register(
    request: Request,
    email: FormText,
    password: FormText,
    timezone: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        _limit_address(request)
    except RateLimited as error:
        return _too_many(request, "register.html", error)
    context: dict[str, object] = {"email": email, "min_length": accounts.MIN_PASSWORD_LENGTH}
    try:
        accounts.sign_up(
            database(request),
            email=email,
            password=password,
            hasher=_hasher(request),
            timezone=timezone.strip() or None,
        )
    except HashingBusy as error:
        return _busy(request, "register.html", error, context)
    except AccountError as error:
        context.update(error=error.problem, field=error.field)
        return render(request, "register.html", context, status=400)
    # The same page, and no session, whether or not the address already had an account.
    return render(request, "login.html", {"notice": _(REGISTERED), "email": email.strip()})


# ---------------------------------------------------------------- forgotten password


@router.get("/login/recover", name="recover")
def recover_page(request: Request, user: MaybeSignedIn) -> Response:
    if user is not None:
        return _see_other("/")
    return render(request, "recover.html", {"min_length": accounts.MIN_PASSWORD_LENGTH})


@router.post("/login/recover")
def recover(request: Request, email: FormText, code: FormText, new_password: FormText) -> Response:
    """Email, one recovery code and a new password: signs in and spends the code."""
    context: dict[str, object] = {"email": email, "min_length": accounts.MIN_PASSWORD_LENGTH}
    try:
        spent = _limit_sign_in(request, email)
    except RateLimited as error:
        return _too_many(request, "recover.html", error)
    try:
        user, token = accounts.recover_account(
            database(request),
            email=email,
            code=code,
            new_password=new_password,
            hasher=_hasher(request),
        )
    except HashingBusy as error:
        _give_back(request, spent)
        return _busy(request, "recover.html", error, context)
    except AccountError as error:
        _give_back(request, spent)  # a refused new password says nothing about the account
        context.update(error=error.problem, field=error.field)
        return render(request, "recover.html", context, status=400)
    except RecoveryRefused:
        audit.record_authentication(database(request), action="login-failed")
        context.update(error=_(RECOVERY_FAILED))
        return render(request, "recover.html", context, status=400)
    _give_back(request, spent)
    audit.record_authentication(database(request), action="password-recovered", user=user)
    response = _see_other(
        "/welcome" if _home_after_sign_in(request, user) == "/welcome" else "/account?recovered=1"
    )
    set_session_cookie(response, request, token)
    _keep_device(request, response, user)
    remember_language(response, user)
    return response


# ---------------------------------------------------------------- welcome: zone, help lines, codes


@router.get("/welcome", name="welcome")
def welcome_page(request: Request, user: SignedIn) -> Response:
    if user.person_name is None:
        return _see_other("/")
    return render(request, "welcome.html", _zone_context(request, user))


@router.post("/welcome")
async def welcome(request: Request, user: SignedIn) -> Response:
    """Keep the confirmed zone and help-line country, then show new recovery codes once."""
    if user.person_name is None:
        return _see_other("/")
    form = await request.form()
    problem = _save_zone(request, user, str(form.get("timezone") or ""))
    if problem is not None:
        context = {**_zone_context(request, user), "error": problem}
        return render(request, "welcome.html", context, status=400)
    codes = None
    if not accounts.recovery_codes_left(database(request), user_id=user.id):
        codes = accounts.issue_recovery_codes(database(request), user_id=user.id)
    # A new person goes on to the onboarding, once (services.onboarding).
    first_run = needs_onboarding(database(request), user_id=user.id, person_name=user.person_name)
    next_page = "/onboarding" if first_run else "/"
    response = render(request, "recovery_codes.html", {"codes": codes, "next": next_page})
    _set_locale(response, str(form.get("locale") or ""))
    return response


def _records_of(request: Request, user: User) -> list[Record]:
    assert user.person_name is not None
    return [entry.record for entry in own_entries(database(request), user.person_name)]


def _zone_context(request: Request, user: User) -> dict[str, object]:
    records = _records_of(request, user)
    profile = latest_profile(records)
    zone = profile.timezone if profile is not None else None
    return {
        "zone": zone,
        "zones": views.zone_choices(zone),
        "locales": views.locale_choices(language_of(request)),
        "locale": person_locale(request.cookies.get(pages.LOCALE_COOKIE), records),
        "time_zone": person_zone(records),
    }


def _save_zone(request: Request, user: User, zone: str) -> str | None:
    """Store the zone as the profile's when it differs from the stored one; a problem or None."""
    assert user.person_name is not None
    records = _records_of(request, user)
    profile = latest_profile(records)
    if profile is not None and profile.timezone == zone:
        return None
    try:
        record = views.profile_with_zone(records, zone)
    except RecordError as error:
        return str(error)
    log_record(
        database(request),
        user.person_name,
        record,
        create=True,
        author=Author(user_id=user.id, role="person"),
    )
    return None


def _set_locale(response: Response, chosen: str) -> None:
    if chosen in dict(views.locale_options()):
        response.set_cookie(
            pages.LOCALE_COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="lax"
        )


# ---------------------------------------------------------------- account


def _account_page(
    request: Request, user: User, context: Mapping[str, object] | None = None, status: int = 200
) -> Response:
    tokens = accounts.list_api_tokens(database(request), user_id=user.id)
    base: dict[str, object] = {
        "min_length": accounts.MIN_PASSWORD_LENGTH,
        "tokens": tokens,
        "now": accounts.utc_now(),
        "codes_left": accounts.recovery_codes_left(database(request), user_id=user.id),
        "local_time": local_time,  # the person pages' format, in her zone (UTC without one)
        "time_zone": UTC,
        **_device_context(request, user),
    }
    if user.person_name is not None:
        base.update(_zone_context(request, user))
        base.update(_reminder_context(request, user))
    return render(request, "account.html", {**base, **(context or {})}, status=status)


def _account_busy(request: Request, user: User, error: HashingBusy) -> Response:
    message = _(BUSY, seconds=error.retry_after)
    response = _account_page(request, user, {"error": message}, status=503)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@router.get("/account", name="account")
def account_page(
    request: Request, user: SignedIn, recovered: str | None = None, pin: str | None = None
) -> Response:
    notice = _(RECOVERED) if recovered == "1" else None
    if pin == "set":
        notice = _("Your PIN is set. Kept devices ask for it after they have been idle.")
    return _account_page(request, user, {"notice": notice})


@router.post("/account/zone", name="account_zone")
async def account_zone(request: Request, user: SignedIn) -> Response:
    """Change the time zone typed times are read in, and the country for help lines."""
    if user.person_name is None:
        return _see_other("/account")
    form = await request.form()
    problem = _save_zone(request, user, str(form.get("timezone") or ""))
    if problem is not None:
        return _account_page(request, user, {"zone_error": problem}, status=400)
    response = _see_other("/account")
    _set_locale(response, str(form.get("locale") or ""))
    return response


@router.post("/account/recovery-codes", name="new_recovery_codes")
def new_recovery_codes(request: Request, user: SignedIn, password: FormText) -> Response:
    """A new set of recovery codes (the old ones stop working), after the password is checked."""
    try:
        accounts.check_password(
            database(request), user_id=user.id, password=password, hasher=_hasher(request)
        )
    except HashingBusy as error:
        return _account_busy(request, user, error)
    except AccountError as error:
        return _account_page(request, user, {"codes_error": error.problem}, status=400)
    codes = accounts.issue_recovery_codes(database(request), user_id=user.id)
    return render(request, "recovery_codes.html", {"codes": codes, "next": "/account"})


@router.post("/account/tokens/revoke", name="revoke_token")
def revoke_token(request: Request, user: SignedIn, token_id: Annotated[int, Form()]) -> Response:
    """Revoke one of the signed-in user's API tokens; anyone else's is "not found"."""
    try:
        accounts.revoke_api_token(database(request), user_id=user.id, token_id=token_id)
    except AccountError as error:
        raise HTTPException(status_code=404, detail="No such token.") from error
    return _see_other("/account")


@router.post("/account/password", name="change_password")
def change_password(
    request: Request, user: SignedIn, current_password: FormText, new_password: FormText
) -> Response:
    try:
        token = accounts.change_password(
            database(request),
            user_id=user.id,
            current_password=current_password,
            new_password=new_password,
            hasher=_hasher(request),
        )
    except HashingBusy as error:
        return _account_busy(request, user, error)
    except AccountError as error:
        context = {"error": error.problem, "field": error.field}
        return _account_page(request, user, context, status=400)
    audit.record_authentication(database(request), action="password-changed", user=user)
    response = _account_page(
        request,
        user,
        {
            "notice": _(
                "Password changed. Other devices have been logged out and API tokens revoked."
            )
        },
    )
    set_session_cookie(response, request, token)
    return response


@router.post("/account/delete", name="delete_account")
def delete_account(request: Request, user: SignedIn, password: FormText) -> Response:
    try:
        accounts.delete_account(
            database(request), user_id=user.id, password=password, hasher=_hasher(request)
        )
    except HashingBusy as error:
        return _account_busy(request, user, error)
    except AccountError as error:
        return _account_page(request, user, {"delete_error": error.problem}, status=400)
    # Logged without the person's identity: their account and data are gone.
    audit.record_authentication(database(request), action="account-deleted")
    request.state.user = None
    response = render(
        request,
        "login.html",
        {"notice": _("Your account and every record in it have been deleted.")},
    )
    clear_session_cookie(response, request)
    clear_device_cookie(response, request)
    return response


# ---------------------------------------------------------------- kept devices and the PIN


def _device_context(request: Request, user: User) -> dict[str, object]:
    found = session_of(request)
    return {
        "devices": accounts.device_sessions(
            database(request), user_id=user.id, current_id=found.id if found else None
        ),
        "has_pin": accounts.has_pin(database(request), user_id=user.id),
        "pin_lengths": (accounts.MIN_PIN_LENGTH, accounts.MAX_PIN_LENGTH),
        "lock_minutes": _minutes(settings(request).lock_after.total_seconds()),
    }


def _minutes(seconds: float) -> str:
    minutes = seconds / 60
    shown = f"{minutes:g}" if minutes < 10 else str(round(minutes))
    if shown == "1":
        return _("1 minute")
    return _("%(minutes)s minutes", minutes=shown)


@router.post("/account/pin", name="account_pin")
def account_pin(
    request: Request,
    user: SignedIn,
    pin: Annotated[str, Form(max_length=20)],
    pin_again: Annotated[str, Form(max_length=20)],
) -> Response:
    """Set or change the app lock's PIN (typed twice)."""
    if pin.strip() != pin_again.strip():
        return _account_page(request, user, {"pin_error": _("the two PINs differ")}, status=400)
    found = session_of(request)
    try:
        accounts.set_pin(
            database(request),
            user_id=user.id,
            pin=pin.strip(),
            hasher=_hasher(request),
            session_id=found.id if found is not None else None,
            now=settings(request).now(),
        )
    except HashingBusy as error:
        return _account_busy(request, user, error)
    except AccountError as error:
        return _account_page(request, user, {"pin_error": error.problem}, status=400)
    return _see_other("/account?pin=set#devices-heading")


@router.post("/account/pin/remove", name="remove_pin")
def remove_pin(request: Request, user: SignedIn) -> Response:
    """Turn the app lock off: kept devices stay signed in without asking for a PIN."""
    accounts.remove_pin(database(request), user_id=user.id)
    return _see_other("/account#devices-heading")


@router.post("/account/devices/revoke", name="revoke_device")
def revoke_device(request: Request, user: SignedIn, device_id: Annotated[int, Form()]) -> Response:
    """Sign one kept device out; anyone else's is "not found"."""
    try:
        accounts.revoke_device_session(database(request), user_id=user.id, session_id=device_id)
    except AccountError as error:
        raise HTTPException(status_code=404, detail="No such device.") from error
    found = session_of(request)
    if found is not None and found.id == device_id:
        return _signed_out(request)
    return _see_other("/account#devices-heading")


@router.post("/account/devices/revoke-all", name="revoke_devices")
def revoke_devices(request: Request, user: SignedIn) -> Response:
    """Sign every kept device out, this one too if it is kept."""
    accounts.revoke_device_sessions(database(request), user_id=user.id)
    found = session_of(request)
    if found is not None and found.kept:
        return _signed_out(request)
    return _see_other("/account#devices-heading")


def _signed_out(request: Request) -> Response:
    response = _see_other("/login")
    clear_session_cookie(response, request)
    return response


# ---------------------------------------------------------------- check-in reminders


def _reminder_context(request: Request, user: User) -> dict[str, object]:
    """The reminders section: the saved schedule, the feed, and whether e-mail can be sent."""
    return {
        "reminder": reminder_service.reminder_settings(database(request), user_id=user.id),
        "weekdays": [
            (number, _(WEEKDAY_WORDS.get(day, day)))
            for number, day in enumerate(reminder_service.WEEKDAYS)
        ],
        "email_available": settings(request).mail_server is not None,
    }


def _zone_name(request: Request, user: User) -> str:
    """The zone reminders are read in: the person's own (UTC until they save one)."""
    return str(person_zone(_records_of(request, user)))


@router.post("/account/reminders", name="account_reminders")
async def account_reminders(request: Request, user: SignedIn) -> Response:
    """Save how often, when and how check-in reminders come."""
    if user.person_name is None:
        return _see_other("/account")
    form = await request.form()
    try:
        reminder_service.save_reminder(
            database(request),
            user_id=user.id,
            frequency=str(form.get("frequency") or "off"),
            at=str(form.get("time") or ""),
            weekday=str(form.get("weekday") or "0"),
            email=form.get("email") == "on",
            zone=_zone_name(request, user),
            email_available=settings(request).mail_server is not None,
        )
    except ReminderError as error:
        return _account_page(request, user, {"reminder_error": error.problem}, status=400)
    return _see_other("/account#reminders-heading")


@router.post("/account/calendar-feed", name="new_calendar_feed")
def new_calendar_feed(request: Request, user: SignedIn) -> Response:
    """A new secret feed address, shown once; the old one stops working."""
    if user.person_name is None:
        return _see_other("/account")
    token = reminder_service.new_calendar_feed(
        database(request), user_id=user.id, zone=_zone_name(request, user)
    )
    return _account_page(request, user, {"feed_url": reminders.feed_url(request, token)})


@router.post("/account/calendar-feed/revoke", name="revoke_calendar_feed")
def revoke_calendar_feed(request: Request, user: SignedIn) -> Response:
    """Turn the calendar feed off: its address answers "not found" from now on."""
    reminder_service.revoke_calendar_feed(database(request), user_id=user.id)
    return _see_other("/account#reminders-heading")
