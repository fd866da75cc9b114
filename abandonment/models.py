"""Abandonment's records: captured baskets (AB-1), abandon reports and their schedules (AB-3)."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper

from baskets.models import Basket


class Abandonment(models.Model):
    """AB-1: an Active basket left idle past the abandonment interval, with its contents."""

    basket = models.ForeignKey(
        Basket, null=True, blank=True, on_delete=models.SET_NULL, related_name="abandonments"
    )
    basket_guid = models.UUIDField(db_index=True)
    captured_at = models.DateTimeField(db_index=True)
    last_activity_at = models.DateTimeField()
    shop_account_email = models.EmailField(blank=True)
    # AB-1 / AB-3: how to reach the shopper, as it was at capture: the login's name and
    # address, or for a guest what the storefront sent with the checkout details.
    # db_default: the sweep inserts with raw SQL.
    email = models.EmailField(blank=True, db_default="")
    name = models.CharField(max_length=200, blank=True, db_default="")
    payment_address = models.JSONField(default=dict, blank=True)
    coupon_codes = models.JSONField(default=list, blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    # [{"product_id", "variant_id", "quantity", "unit_price"}, ...] as they were.
    lines = models.JSONField(default=list)
    recovered_at = models.DateTimeField(null=True, blank=True)
    # AB-4: the last reminder e-mail of the sequence was sent (claimed) at this time, to this
    # address; ``reminders_sent`` steps of the sequence are done, each at most once.
    reminded_at = models.DateTimeField(null=True, blank=True)
    # db_default: the sweep inserts abandonments with raw SQL that does not name these.
    reminder_email = models.EmailField(blank=True, db_default="")
    reminders_sent = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "completion_abandonment"  # kept from when completion owned it
        ordering = ["-captured_at"]
        indexes = [
            # The reminder claim reads only abandonments not recovered.
            models.Index(
                fields=["captured_at"],
                name="abandonment_reminder_open",
                condition=models.Q(recovered_at__isnull=True),
            ),
            # Finding a caller's abandonments (``abandonment.selectors``): the e-mail whole,
            # the name whole or any part of it (pg_trgm).
            models.Index(Upper("email"), name="abandonment_email_upper"),
            models.Index(Upper("name"), name="abandonment_name_upper"),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="abandonment_name_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.basket_guid} abandoned {self.captured_at:%Y-%m-%d %H:%M}"


class ReminderStep(models.Model):
    """AB-4: one e-mail of the reminder sequence, sent ``delay`` after the capture.

    Subject and body are Django templates with ``name``, ``Basket.BasketUrl``,
    ``Basket.BasketGUID``, ``lines`` (quantity, name, product_id, variant_id, unit_price),
    ``total`` and ``currency``; every mail gets the unsubscribe link appended."""

    delay = models.DurationField(help_text="after the abandonment was captured, e.g. 1:00:00")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["delay", "id"]
        verbose_name = "reminder step"

    def __str__(self) -> str:
        return f"{self.delay} after capture: {self.subject}"


class ReminderSend(models.Model):
    """AB-4: step ``step_number`` (1 = first) of the sequence went to this abandonment's
    shopper; unique, so no step is ever sent twice for one abandonment."""

    abandonment = models.ForeignKey(Abandonment, on_delete=models.CASCADE, related_name="sends")
    step_number = models.PositiveSmallIntegerField()
    step = models.ForeignKey(ReminderStep, null=True, on_delete=models.SET_NULL, related_name="+")
    email = models.EmailField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["abandonment", "step_number"], name="reminder_send_once_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"step {self.step_number} to {self.email}"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


class ReportSchedule(models.Model):
    """AB-3: an abandon report made again and again, covering the days before each run."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Every day (the day before)"
        WEEKLY = "weekly", "Every week (the 7 days before)"
        MONTHLY = "monthly", "Every calendar month (the month before)"

    name = models.CharField(max_length=100)
    # Staff who receive each finished report by e-mail (the file, or a link to the pickup
    # area when it is large) and may pick it up.
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True, "is_active": True},
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    next_run_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "completion_reportschedule"  # kept from when completion owned it

    def __str__(self) -> str:
        return self.name


class AbandonReport(models.Model):
    """AB-3: a spreadsheet of abandonments between two dates, built in the background and
    picked up by staff from the report pickup area."""

    date_from = models.DateField("from")
    date_to = models.DateField("to")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    schedule = models.ForeignKey(
        ReportSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress in abandoned baskets; the sheet has one row per abandoned line.
    baskets_total = models.PositiveIntegerField(default=0)
    baskets_done = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="reports/", blank=True)
    error = models.TextField(blank=True)
    # AC-1: the sheet holds names, e-mails, phones and addresses only when everyone it goes
    # to may see shop-account personal data; decided when the report is requested.
    personal_data = models.BooleanField(default=False)
    # A scheduled report's e-mail to the schedule's recipients went out (at most once).
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "completion_abandonreport"  # kept from when completion owned it
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_from__lte=models.F("date_to")),
                name="abandon_report_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Abandon report {self.date_from:%m/%d/%Y}–{self.date_to:%m/%d/%Y}"

    @property
    def progress(self) -> int:
        """Percent done, for the admin."""
        if self.status == ReportStatus.DONE:
            return 100
        if not self.baskets_total:
            return 0
        return min(99, self.baskets_done * 100 // self.baskets_total)
