"""Abandonment's records: captured baskets (AB-1), abandon reports and their schedules (AB-3)."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from baskets.models import Basket


class Abandonment(models.Model):
    """AB-1: an Active basket left idle past the abandonment interval, with its contents."""

    basket = models.ForeignKey(
        Basket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="abandonments",
        verbose_name=_("basket"),
    )
    basket_guid = models.UUIDField(db_index=True, verbose_name=_("basket guid"))
    captured_at = models.DateTimeField(db_index=True, verbose_name=_("captured at"))
    last_activity_at = models.DateTimeField(verbose_name=_("last activity at"))
    shop_account_email = models.EmailField(blank=True, verbose_name=_("shop account email"))
    # AB-1 / AB-3: how to reach the shopper, as it was at capture: the login's name and
    # address, or for a guest what the storefront sent with the checkout details.
    # db_default: the sweep inserts with raw SQL.
    email = models.EmailField(blank=True, db_default="", verbose_name=_("email"))
    name = models.CharField(max_length=200, blank=True, db_default="", verbose_name=_("name"))
    payment_address = models.JSONField(default=dict, blank=True, verbose_name=_("payment address"))
    coupon_codes = models.JSONField(default=list, blank=True, verbose_name=_("coupon codes"))
    total = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("total"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    # [{"product_id", "variant_id", "quantity", "unit_price"}, ...] as they were.
    lines = models.JSONField(default=list, verbose_name=_("lines"))
    recovered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("recovered at"))
    # AB-4: the last reminder e-mail of the sequence was sent (claimed) at this time, to this
    # address; ``reminders_sent`` steps of the sequence are done, each at most once.
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded at"))
    # db_default: the sweep inserts abandonments with raw SQL that does not name these.
    reminder_email = models.EmailField(blank=True, db_default="", verbose_name=_("reminder email"))
    reminders_sent = models.PositiveSmallIntegerField(
        default=0, db_default=0, verbose_name=_("reminders sent")
    )

    class Meta:
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
        verbose_name = _("abandonment")
        verbose_name_plural = _("abandonments")

    def __str__(self) -> str:
        return gettext("%(guid)s abandoned %(at)s") % {
            "guid": self.basket_guid,
            "at": f"{self.captured_at:%Y-%m-%d %H:%M}",
        }


class ReminderStep(models.Model):
    """AB-4: one e-mail of the reminder sequence, sent ``delay`` after the capture.

    Subject and body (English; other languages in ``ReminderStepText``) are Django
    templates with the variables of ``services.reminder_mail.VARIABLES``; every mail is
    laid out with the shop's brand, the basket's lines and total, the recovery link and the
    unsubscribe footer (``templates/abandonment/email/reminder.*``)."""

    delay = models.DurationField(
        help_text="after the abandonment was captured, e.g. 1:00:00", verbose_name=_("delay")
    )
    subject = models.CharField(max_length=200, verbose_name=_("subject"))
    body = models.TextField(verbose_name=_("body"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    # Incentive: each recipient of this step gets a unique single-use coupon, a percentage
    # or an amount (in the basket's currency) off, valid this many days; none when empty.
    coupon_percent_off = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, verbose_name=_("coupon percent off")
    )
    coupon_amount_off = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("coupon amount off")
    )
    coupon_valid_days = models.PositiveSmallIntegerField(
        default=7, verbose_name=_("coupon valid days")
    )

    class Meta:
        ordering = ["delay", "id"]
        verbose_name = _("reminder step")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(coupon_percent_off__isnull=True)
                | models.Q(coupon_amount_off__isnull=True),
                name="reminder_step_one_incentive",
                violation_error_message="Give either a percentage or an amount off, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(coupon_percent_off__isnull=True)
                | models.Q(coupon_percent_off__gt=0, coupon_percent_off__lte=100),
                name="reminder_step_percent_range",
                violation_error_message="The percentage off must be more than 0 and at most 100.",
            ),
            models.CheckConstraint(
                condition=models.Q(coupon_amount_off__isnull=True)
                | models.Q(coupon_amount_off__gt=0),
                name="reminder_step_amount_positive",
                violation_error_message="The amount off must be more than 0.",
            ),
        ]
        verbose_name_plural = _("reminder steps")

    def __str__(self) -> str:
        return gettext("%(delay)s after capture: %(subject)s") % {
            "delay": self.delay,
            "subject": self.subject,
        }


class MailLanguage(models.TextChoices):
    """PV-5: the languages reminder e-mails are written in; English is the step's own text."""

    ENGLISH = "en", _("English")
    DANISH = "da", _("Danish")
    DUTCH = "nl", _("Dutch")
    GERMAN = "de", _("German")


class ReminderStepText(models.Model):
    """PV-5: a step's subject and body in another language; a basket in that language gets
    it (others get the step's English text)."""

    step = models.ForeignKey(
        ReminderStep, on_delete=models.CASCADE, related_name="texts", verbose_name=_("step")
    )
    language = models.CharField(
        max_length=8,
        choices=[c for c in MailLanguage.choices if c[0] != MailLanguage.ENGLISH],
        verbose_name=_("language"),
    )
    subject = models.CharField(max_length=200, verbose_name=_("subject"))
    body = models.TextField(verbose_name=_("body"))

    class Meta:
        ordering = ["step", "language"]
        verbose_name = _("text in another language")
        verbose_name_plural = _("texts in other languages")
        constraints = [
            models.UniqueConstraint(fields=["step", "language"], name="reminder_step_text_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_language_display()}: {self.subject}"


class ReminderSend(models.Model):
    """AB-4: step ``step_number`` (1 = first) of the sequence went to this abandonment's
    shopper; unique, so no step is ever sent twice for one abandonment."""

    abandonment = models.ForeignKey(
        Abandonment, on_delete=models.CASCADE, related_name="sends", verbose_name=_("abandonment")
    )
    step_number = models.PositiveSmallIntegerField(verbose_name=_("step number"))
    step = models.ForeignKey(
        ReminderStep, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("step")
    )
    email = models.EmailField(verbose_name=_("email"))
    sent_at = models.DateTimeField(verbose_name=_("sent at"))
    # The single-use coupon the mail offered (the step's incentive), if any.
    coupon_code = models.CharField(
        max_length=40, blank=True, default="", db_default="", verbose_name=_("coupon code")
    )

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["abandonment", "step_number"], name="reminder_send_once_per_step"
            )
        ]
        indexes = [
            # PV-2: the daily cap counts an address's mails of the last 24 hours.
            models.Index(Upper("email"), "sent_at", name="reminder_send_email_upper"),
        ]
        verbose_name = _("reminder send")
        verbose_name_plural = _("reminder sends")

    def __str__(self) -> str:
        return f"step {self.step_number} to {self.email}"


class ReminderSuppression(models.Model):
    """PV-2: an address no reminder goes to: the e-mail service reported a bounce or a
    complaint (its tracking webhook, through django-anymail), or a System administrator
    added it. Stored lower-case; deleting the row lifts it."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained (marked as spam)")
        MANUAL = "manual", _("Added by staff")

    email = models.EmailField(unique=True, verbose_name=_("email"))
    reason = models.CharField(max_length=12, choices=Reason.choices, verbose_name=_("reason"))
    suppressed_at = models.DateTimeField(verbose_name=_("suppressed at"))
    # The e-mail service (e.g. "mailgun") or the staff member who added it.
    source = models.CharField(max_length=100, blank=True, verbose_name=_("source"))
    detail = models.CharField(max_length=300, blank=True, verbose_name=_("detail"))

    class Meta:
        ordering = ["-suppressed_at", "id"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="reminder_suppression_lower_case",
                violation_error_message="Enter the e-mail address in lower case.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_reason_display()})"


class RecoveryDigest(models.Model):
    """The daily digest of recovered baskets went out for ``day`` (once: the day is unique,
    so a second scheduler's run finds it taken)."""

    day = models.DateField(unique=True, verbose_name=_("day"))
    sent_at = models.DateTimeField(verbose_name=_("sent at"))
    recovered = models.PositiveIntegerField(default=0, verbose_name=_("recovered"))

    class Meta:
        ordering = ["-day"]
        verbose_name = _("recovery digest")
        verbose_name_plural = _("recovery digests")

    def __str__(self) -> str:
        return f"Recovery digest {self.day:%Y-%m-%d}"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")


class ReportSchedule(models.Model):
    """AB-3: an abandon report made again and again, covering the days before each run."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Every day (the day before)")
        WEEKLY = "weekly", _("Every week (the 7 days before)")
        MONTHLY = "monthly", _("Every calendar month (the month before)")

    name = models.CharField(max_length=100, verbose_name=_("name"))
    # Staff who receive each finished report by e-mail (the file, or a link to the pickup
    # area when it is large) and may pick it up.
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("recipients"),
    )
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, verbose_name=_("frequency")
    )
    next_run_at = models.DateTimeField(verbose_name=_("next run at"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")

    def __str__(self) -> str:
        return self.name


class AbandonReport(models.Model):
    """AB-3: a spreadsheet of abandonments between two dates, built in the background and
    picked up by staff from the report pickup area."""

    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    status = models.CharField(
        max_length=10,
        choices=ReportStatus.choices,
        default=ReportStatus.QUEUED,
        verbose_name=_("status"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    schedule = models.ForeignKey(
        ReportSchedule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("schedule"),
    )
    requested_at = models.DateTimeField(verbose_name=_("requested at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    # Progress in abandoned baskets; the sheet has one row per abandoned line.
    baskets_total = models.PositiveIntegerField(default=0, verbose_name=_("baskets total"))
    baskets_done = models.PositiveIntegerField(default=0, verbose_name=_("baskets done"))
    rows_written = models.PositiveIntegerField(default=0, verbose_name=_("rows written"))
    file = models.FileField(upload_to="reports/", blank=True, verbose_name=_("file"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    # AC-1: the sheet holds names, e-mails, phones and addresses only when everyone it goes
    # to may see shop-account personal data; decided when the report is requested.
    personal_data = models.BooleanField(default=False, verbose_name=_("personal data"))
    # A scheduled report's e-mail to the schedule's recipients went out (at most once).
    mailed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("mailed at"))

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_from__lte=models.F("date_to")),
                name="abandon_report_dates_in_order",
                violation_error_message="The end date must not be before the start date.",
            ),
        ]
        verbose_name = _("abandon report")
        verbose_name_plural = _("abandon reports")

    def __str__(self) -> str:
        return gettext("Abandon report %(from)s–%(to)s") % {
            "from": f"{self.date_from:%m/%d/%Y}",
            "to": f"{self.date_to:%m/%d/%Y}",
        }

    @property
    def progress(self) -> int:
        """Percent done, for the admin."""
        if self.status == ReportStatus.DONE:
            return 100
        if not self.baskets_total:
            return 0
        return min(99, self.baskets_done * 100 // self.baskets_total)
