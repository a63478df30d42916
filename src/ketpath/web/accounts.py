"""Account pages: register, log in, log out, change password, API tokens, delete the account.

Each route reads its form, calls one use case in ``services.accounts`` and
renders or redirects. Login and registration spend rate-limit tokens first
(per client address, and for login per account, or per device when the
browser holds a device cookie for that account), so guessing is slow even
across restarts, and a stranger's guesses cannot lock a person out of a
device they have used. Password hashing runs in a few slots only; when all
are busy the answer is 503 with ``Retry-After``. Registration answers the
same whether or not the address has an account (``services.accounts.sign_up``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ketpath.services import accounts, audit
from ketpath.services.accounts import AccountError, HashingBusy, LoginRefused, RateLimited, User
from ketpath.web.auth import (
    clear_device_cookie,
    clear_session_cookie,
    current_user,
    database,
    device_token,
    optional_user,
    session_token,
    set_device_cookie,
    set_session_cookie,
    settings,
)
from ketpath.web.templating import render

router = APIRouter(include_in_schema=False)

SignedIn = Annotated[User, Depends(current_user)]
MaybeSignedIn = Annotated[User | None, Depends(optional_user)]
FormText = Annotated[str, Form(max_length=2000)]
LOGIN_FAILED = "That email and password do not match an account."
REGISTERED = (
    "If this address can be used, your account is ready: log in with it and the password "
    "you just chose. If you already had an account with this address, nothing has changed: "
    "log in with your existing password."
)


def _hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.hasher
    return hasher


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _limit_address(request: Request) -> None:
    config = settings(request)
    accounts.take_token(
        database(request),
        key=accounts.rate_limit_key("address", _client_address(request)),
        capacity=config.address_attempts,
        refill_seconds=config.address_refill_seconds,
    )


def _limit_account(request: Request, email: str) -> None:
    config = settings(request)
    accounts.take_token(
        database(request),
        key=accounts.rate_limit_key("login", email.strip().lower()),
        capacity=config.login_attempts,
        refill_seconds=config.login_refill_seconds,
    )


def _limit_device(request: Request, device_id: int) -> None:
    config = settings(request)
    accounts.take_token(
        database(request),
        key=accounts.rate_limit_key("device", str(device_id)),
        capacity=config.device_attempts,
        refill_seconds=config.device_refill_seconds,
    )


def _known_device(request: Request, email: str) -> int | None:
    token = device_token(request)
    if token is None:
        return None
    return accounts.known_device(database(request), token=token, email=email)


def _busy(
    request: Request, template: str, error: HashingBusy, context: dict[str, object] | None = None
) -> Response:
    message = f"The server is busy. Try again in {error.retry_after} seconds."
    response = render(request, template, {**(context or {}), "error": message}, status=503)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _too_many(request: Request, template: str, error: RateLimited) -> Response:
    response = render(
        request,
        template,
        {"error": f"Too many attempts. Try again in {error.retry_after} seconds."},
        status=429,
    )
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _signed_in(request: Request, user_id: int, *, to: str = "/") -> Response:
    token = accounts.start_session(database(request), user_id=user_id)
    response = _see_other(to)
    set_session_cookie(response, request, token)
    return response


# ---------------------------------------------------------------- log in and out


@router.get("/login", name="login")
def login_page(request: Request, user: MaybeSignedIn) -> Response:
    if user is not None:
        return _see_other("/")
    return render(request, "login.html", {})


@router.post("/login")
def login(request: Request, email: FormText, password: FormText) -> Response:
    device = _known_device(request, email)
    try:
        _limit_address(request)
        if device is None:
            _limit_account(request, email)
        else:
            _limit_device(request, device)
    except RateLimited as error:
        return _too_many(request, "login.html", error)
    try:
        user = accounts.authenticate(
            database(request), email=email, password=password, hasher=_hasher(request)
        )
    except HashingBusy as error:
        return _busy(request, "login.html", error, {"email": email})
    except LoginRefused:
        audit.record_authentication(database(request), action="login-failed")
        return render(request, "login.html", {"error": LOGIN_FAILED, "email": email}, status=400)
    audit.record_authentication(database(request), action="login", user=user)
    response = _signed_in(request, user.id)
    device_cookie = accounts.remember_device(
        database(request), user_id=user.id, token=device_token(request)
    )
    set_device_cookie(response, request, device_cookie)
    return response


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


# ---------------------------------------------------------------- register


@router.get("/register", name="register")
def register_page(request: Request, user: MaybeSignedIn) -> Response:
    if user is not None:
        return _see_other("/")
    return render(request, "register.html", {"min_length": accounts.MIN_PASSWORD_LENGTH})


@router.post("/register")
def register(request: Request, email: FormText, password: FormText) -> Response:
    try:
        _limit_address(request)
    except RateLimited as error:
        return _too_many(request, "register.html", error)
    context: dict[str, object] = {"email": email, "min_length": accounts.MIN_PASSWORD_LENGTH}
    try:
        accounts.sign_up(database(request), email=email, password=password, hasher=_hasher(request))
    except HashingBusy as error:
        return _busy(request, "register.html", error, context)
    except AccountError as error:
        context.update(error=error.problem, field=error.field)
        return render(request, "register.html", context, status=400)
    # The same page, and no session, whether or not the address already had an account.
    return render(request, "login.html", {"notice": REGISTERED, "email": email.strip()})


# ---------------------------------------------------------------- account


def _account_page(
    request: Request, user: User, context: Mapping[str, object] | None = None, status: int = 200
) -> Response:
    tokens = accounts.list_api_tokens(database(request), user_id=user.id)
    base = {"min_length": accounts.MIN_PASSWORD_LENGTH, "tokens": tokens, "now": accounts.utc_now()}
    return render(request, "account.html", {**base, **(context or {})}, status=status)


def _account_busy(request: Request, user: User, error: HashingBusy) -> Response:
    message = f"The server is busy. Try again in {error.retry_after} seconds."
    response = _account_page(request, user, {"error": message}, status=503)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@router.get("/account", name="account")
def account_page(request: Request, user: SignedIn) -> Response:
    return _account_page(request, user)


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
        {"notice": "Password changed. Other devices have been logged out and API tokens revoked."},
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
        {"notice": "Your account and every record in it have been deleted."},
    )
    clear_session_cookie(response, request)
    clear_device_cookie(response, request)
    return response
