"""manage.py webhook_endpoint_create URL --events order.created,basket.status_changed"""

from django.core.management.base import BaseCommand, CommandError

from baskets.models import EventType
from webhooks.exceptions import EndpointInvalid
from webhooks.services import webhook_endpoint_create


class Command(BaseCommand):
    help = "Register a webhook endpoint and print its signing secret (shown this once)."

    def add_arguments(self, parser):
        parser.add_argument("url", help="https:// address that receives the events")
        parser.add_argument(
            "--events",
            required=True,
            help=f"comma-separated event types: {', '.join(EventType.values)}",
        )
        parser.add_argument("--description", default="")

    def handle(self, *args, url: str, events: str, description: str, **options):
        event_types = [name.strip() for name in events.split(",") if name.strip()]
        try:
            endpoint = webhook_endpoint_create(
                url=url, event_types=event_types, description=description
            )
        except EndpointInvalid as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"endpoint {endpoint.pk}: {endpoint.url}")
        self.stdout.write(f"events: {', '.join(endpoint.event_types)}")
        self.stdout.write(f"secret: {endpoint.secret}")
        self.stdout.write("Keep the secret now: it is not shown again.")
