from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

STAFF_GROUP = "Équipe Les Canaux"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person. Logs in with an email address; roles come from memberships (structure, buyer) and groups."""

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    # The language of the emails the platform sends on its own (alerts, digests, reminders): the site language the
    # person signed up in or last chose with the language switcher.
    language = models.CharField(
        _("langue des e-mails"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def is_platform_staff(self) -> bool:
        """Les Canaux staff: runs the platform (verifies structures, organises meet-ups, follows the charter)."""
        if self.is_superuser:
            return True
        if not hasattr(self, "_platform_staff"):
            self._platform_staff = self.groups.filter(name=STAFF_GROUP).exists()
        return self._platform_staff
