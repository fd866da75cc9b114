import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The matrix makes hundreds of logins: hash their passwords cheaply (tests only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
