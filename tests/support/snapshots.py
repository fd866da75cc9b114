"""What a refused request must leave as it was: the product's data, every row of it."""

from django.apps import apps

# The product's own apps; Django's sessions and the login throttle's records are not its data.
PRODUCT_APPS = ("baskets", "completion", "abandonment", "recovery", "webhooks")


def snapshot() -> list[list[dict]]:
    """Every row of every table of the product's apps, in primary-key order: equal before and
    after a refusal proves the refusal changed nothing."""
    return [
        list(model._base_manager.order_by("pk").values())
        for app in PRODUCT_APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.proxy
    ]
