"""Account pages: register, log in, log out, change password, delete the account.

Each route reads its form, calls one use case in ``services.accounts`` and
renders or redirects. Login and registration spend rate-limit tokens first
(per client address, and for login per account), so guessing is slow even
across restarts.
"""

from __future__ import annotations

from typing import Annotated

from argon2 import PasswordHasher
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ketpath.services import accounts, audit
from ketpath.services.accounts import AccountError, LoginRefused, RateLimited, User
from ketpath.web.auth import (
    clear_session_cookie,
    current_user,
    database,
    optional_user,
    session_token,
    set_session_cookie,
    settings,
)
from ketpath.web.templating import render

router = APIRouter(include_in_schema=False)

SignedIn = Annotated[User, Depends(current_user)]
MaybeSignedIn = Annotated[User | None, Depends(optional_user)]
FormText = Annotated[str, Form(max_length=2000)]
LOGIN_FAILED = "That email and password do not match an account."


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
    try:
        _limit_address(request)
        _limit_account(request, email)
    except RateLimited as error:
        return _too_many(request, "login.html", error)
    try:
        user = accounts.authenticate(
            database(request), email=email, password=password, hasher=_hasher(request)
        )
    except LoginRefused:
        audit.record_authentication(database(request), action="login-failed")
        return render(request, "login.html", {"error": LOGIN_FAILED, "email": email}, status=400)
    audit.record_authentication(database(request), action="login", user=user)
    return _signed_in(request, user.id)


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
    try:
        user = accounts.register(
            database(request), email=email, password=password, hasher=_hasher(request)
        )
    except AccountError as error:
        context = {
            "error": error.problem,
            "field": error.field,
            "email": email,
            "min_length": accounts.MIN_PASSWORD_LENGTH,
        }
        return render(request, "register.html", context, status=400)
    return _signed_in(request, user.id)


# ---------------------------------------------------------------- account


@router.get("/account", name="account")
def account_page(request: Request, user: SignedIn) -> Response:
    return render(request, "account.html", {"min_length": accounts.MIN_PASSWORD_LENGTH})


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
    except AccountError as error:
        context = {
            "error": error.problem,
            "field": error.field,
            "min_length": accounts.MIN_PASSWORD_LENGTH,
        }
        return render(request, "account.html", context, status=400)
    audit.record_authentication(database(request), action="password-changed", user=user)
    response = render(
        request,
        "account.html",
        {"notice": "Password changed. Other devices have been logged out."},
    )
    set_session_cookie(response, request, token)
    return response


@router.post("/account/delete", name="delete_account")
def delete_account(request: Request, user: SignedIn, password: FormText) -> Response:
    try:
        accounts.delete_account(
            database(request), user_id=user.id, password=password, hasher=_hasher(request)
        )
    except AccountError as error:
        context = {
            "delete_error": error.problem,
            "min_length": accounts.MIN_PASSWORD_LENGTH,
        }
        return render(request, "account.html", context, status=400)
    # Logged without the person's identity: their account and data are gone.
    audit.record_authentication(database(request), action="account-deleted")
    request.state.user = None
    response = render(
        request,
        "login.html",
        {"notice": "Your account and every record in it have been deleted."},
    )
    clear_session_cookie(response, request)
    return response
