import pytest
from django.contrib.contenttypes.models import ContentType


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The matrix makes hundreds of logins: hash their passwords cheaply (tests only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_content_types():
    """django-constance makes its settings page's content type on first use: a rolled-back
    test would leave a stale id in Django's cache for the next."""
    ContentType.objects.clear_cache()
