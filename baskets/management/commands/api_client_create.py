"""``manage.py api_client_create <name> --role storefront|payments|status`` (SPEC AC-2)."""

from django.core.management.base import BaseCommand, CommandError

from baskets.exceptions import BasketError
from baskets.services.api_clients import CLIENT_ROLES, api_client_create


class Command(BaseCommand):
    help = "Create an API client (user, client group, token) and print its token once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--role", required=True, choices=sorted(CLIENT_ROLES))

    def handle(self, *args, name: str, role: str, **options):
        try:
            key = api_client_create(name=name, role=role)
        except BasketError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"API client {name} ({CLIENT_ROLES[role]}); its token, shown once:")
        self.stdout.write(key)
