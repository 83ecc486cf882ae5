"""Request and response bodies of auth-service (they are also its OpenAPI schemas)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, model_validator

__all__ = [
    "AdminUserCreate",
    "AdminUserUpdate",
    "ListQuery",
    "LoginRequest",
    "ProfileUpdate",
    "RefreshRequest",
    "RegisterRequest",
    "Role",
    "TenantCreate",
    "TenantList",
    "TenantOut",
    "TenantUpdate",
    "TokenPair",
    "UserList",
    "UserOut",
]

Role = Literal["customer", "organizer", "admin"]
# Deliberately loose: one "@", no spaces, a dot in the domain. Real validation is a confirmation mail.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$"


def _normalise_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


Email = Annotated[str, Field(min_length=3, max_length=255), AfterValidator(_normalise_email)]
Password = Annotated[str, Field(min_length=8, max_length=256)]
LoginPassword = Annotated[str, Field(min_length=1, max_length=256)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9 ()-]{3,20}$", max_length=20)]
Slug = Annotated[str, Field(pattern=_SLUG, max_length=100)]
RefreshToken = Annotated[str, Field(min_length=16, max_length=128)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        # PostgreSQL text and jsonb cannot store U+0000; refuse it here (422) instead of failing the INSERT (500).
        if _has_nul(data):
            raise ValueError("strings must not contain NUL (U+0000) characters")
        return data


class _TenantRef(_Request):
    """Which tenant a register/login is for: its slug or its id, exactly one."""

    tenant_slug: Slug | None = None
    tenant_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _exactly_one_tenant(self) -> Self:
        if (self.tenant_slug is None) == (self.tenant_id is None):
            raise ValueError("give exactly one of tenant_slug or tenant_id")
        return self


class RegisterRequest(_TenantRef):
    email: Email
    password: Password
    name: Name | None = None
    phone: Phone | None = None


class LoginRequest(_TenantRef):
    email: Email
    password: LoginPassword


class RefreshRequest(_Request):
    refresh_token: RefreshToken


class ProfileUpdate(_Request):
    """Only the fields present are changed; null clears a field."""

    name: Name | None = None
    phone: Phone | None = None


class AdminUserCreate(_Request):
    email: Email
    password: Password
    name: Name | None = None
    phone: Phone | None = None
    role: Role = "customer"


class AdminUserUpdate(_Request):
    name: Name | None = None
    phone: Phone | None = None
    role: Role | None = None
    is_active: StrictBool | None = None


class TenantCreate(_Request):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    slug: Slug
    domain: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    logo_url: Annotated[str, Field(min_length=1, max_length=2048)] | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    is_active: StrictBool = True


class TenantUpdate(_Request):
    name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    domain: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    logo_url: Annotated[str, Field(min_length=1, max_length=2048)] | None = None
    settings: dict[str, Any] | None = None
    is_active: StrictBool | None = None


class ListQuery(_Request):
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class UserOut(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    name: str | None
    phone: str | None
    role: Role
    email_verified: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class TokenPair(BaseModel):
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret
    access_token: str
    expires_in: int = Field(description="access token lifetime in seconds")
    refresh_token: str = Field(description="opaque; single use, rotated on every refresh")
    refresh_expires_in: int
    user: UserOut


class TenantOut(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    domain: str | None
    logo_url: str | None
    settings: dict[str, Any]
    is_active: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class TenantList(BaseModel):
    items: list[TenantOut]
    limit: int
    offset: int


class UserList(BaseModel):
    items: list[UserOut]
    limit: int
    offset: int
