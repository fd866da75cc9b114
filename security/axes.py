"""The login name django-axes records for a failed login (AC-4, AC-5): the name typed, with
any full card number in it redacted, so that the lockout still counts per name and address
while ``axes_accessattempt`` never holds a card number. ``AXES_USERNAME_CALLABLE`` names it."""

from .cards import card_numbers_redact

USERNAME_FIELD = "username"


def login_name_redacted(request, credentials) -> str | None:
    if credentials:
        name = credentials.get(USERNAME_FIELD)
    else:
        name = getattr(request, "data", request.POST).get(USERNAME_FIELD)
    return card_numbers_redact(name) if isinstance(name, str) else name
