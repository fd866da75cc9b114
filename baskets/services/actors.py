"""Who did something to a basket, as recorded in its timeline."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class Actor:
    label: str
    user: AbstractBaseUser | None = None

    @classmethod
    def staff(cls, user: AbstractBaseUser) -> "Actor":
        return cls(label=f"staff:{user.get_username()}", user=user)

    @classmethod
    def api(cls, user: AbstractBaseUser) -> "Actor":
        return cls(label=f"api:{user.get_username()}", user=user)

    @classmethod
    def shopper(cls, user: AbstractBaseUser | None) -> "Actor":
        if user is None or not user.is_authenticated:
            return cls(label="shopper:anonymous")
        return cls(label=f"shopper:{user.get_username()}", user=user)

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(label=f"system:{name}")
