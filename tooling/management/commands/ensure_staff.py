import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from baskets.roles import ADMINISTRATOR, roles_ensure


class Command(BaseCommand):
    help = (
        "Create the first staff login (System administrator) if it does not exist. The password "
        "comes from BASKETOPS_ADMIN_PASSWORD, or is generated and printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("BASKETOPS_ADMIN_USER", "admin"))
        parser.add_argument("--email", default="admin@example.com")

    def handle(self, *args, username: str, email: str, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Staff login '{username}' already exists; password unchanged.")
            return
        password = os.environ.get("BASKETOPS_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email=email, password=password)
        roles_ensure(Group, Permission)
        user.groups.add(Group.objects.get(name=ADMINISTRATOR))
        if os.environ.get("BASKETOPS_ADMIN_PASSWORD"):
            self.stdout.write(f"Created staff login '{username}' with BASKETOPS_ADMIN_PASSWORD.")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Created staff login '{username}' with password: {password}\n"
                    "It is shown only this once; change it in the admin."
                )
            )
