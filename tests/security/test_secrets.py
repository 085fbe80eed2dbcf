"""Security issue, part 1: no one reads another person's secret links, and staff help users without becoming them.

The journey the issue describes: a staff member asks, logged out, for a password reset of the superuser's account,
then opens the outbox in the admin (list, change page, history, search by subject). Neither they nor the superuser
can read the key, before or after the email left; once sent, the database no longer holds it.
"""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import STAFF_GROUP, User
from outbox.models import OutboxEmail
from tests.accounts.factories import PASSWORD, UserFactory

CHANGELIST = "/admin/outbox/outboxemail/"
SUBJECT = "Choisissez un nouveau mot de passe"
RESET_LINK = re.compile(r"https?://\S+/compte/password/reset/key/(?P<key>[^/\s]+)/")


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@demo.ess2024.fr", is_staff=True, is_superuser=True)


@pytest.fixture
def staff(db):
    return UserFactory(email="equipe@demo.ess2024.fr", platform_staff=True)


def request_reset(client, email: str) -> None:
    response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302


def outbox_pages(client, email: OutboxEmail) -> dict[str, str]:
    """Every admin page where an outbox row shows, as the given client sees them (all must answer 200)."""
    urls = {
        "list": CHANGELIST,
        "search by subject": f"{CHANGELIST}?q={email.subject[-30:]}",
        "filter by kind": f"{CHANGELIST}?kind={email.kind}",
        "change": reverse("admin:outbox_outboxemail_change", args=[email.pk]),
        "history": reverse("admin:outbox_outboxemail_history", args=[email.pk]),
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.content.decode()
    assert email.to in pages["search by subject"]  # the search finds the row...
    return pages


def assert_no_key(pages: dict[str, str], key: str) -> None:
    for name, content in pages.items():
        assert key not in content, f"the reset key shows on the {name} page"
        assert "/compte/password/reset/key/" not in content, f"a reset link shows on the {name} page"


@pytest.mark.django_db
def test_reset_requested_then_staff_and_superuser_never_read_the_key(
    client, staff, superuser, django_capture_on_commit_callbacks
):
    # Logged out, the staff member asks for a reset of the superuser's account; the broker has not sent it yet.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_reset(client, superuser.email)
    email = OutboxEmail.objects.get(to=superuser.email)
    assert (email.status, email.sensitive, email.kind) == ("queued", True, "compte : password_reset_key")
    key = RESET_LINK.search(email.body_text).group("key")  # the real body waits for the worker

    staff_client, super_client = client.__class__(), client.__class__()
    staff_client.force_login(staff)
    super_client.force_login(superuser)
    for viewer in (staff_client, super_client):
        pages = outbox_pages(viewer, email)
        assert_no_key(pages, key)
        assert "[lien personnel masqué]" in pages["change"]
        assert SUBJECT in pages["change"] and superuser.email in pages["change"]  # the metadata staff need
        # ...and the body cannot be probed through a filter either.
        assert viewer.get(CHANGELIST, {"body_text__contains": key[:3]}).status_code == 400

    # The worker sends the real link; the row keeps only the masked body.
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert RESET_LINK.search(message.body).group("key") == key
    email.refresh_from_db()
    assert email.status == "sent"
    assert key not in repr(
        OutboxEmail.objects.filter(pk=email.pk)
        .values("body_text", "body_html", "headers", "secret_values", "last_error")
        .get()
    )
    for viewer in (staff_client, super_client):
        assert_no_key(outbox_pages(viewer, email), key)


@pytest.mark.django_db
def test_an_email_confirmation_link_is_masked_and_removed_too(client, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "claire@recyclerie.example.fr",
                "password1": "Une-recyclerie-2024",
                "password2": "Une-recyclerie-2024",
            },
        )
    assert response.status_code == 302
    link = re.search(r"https?://\S+/compte/confirm-email/(\S+)/", mail.outbox[0].body)
    email = OutboxEmail.objects.get(to="claire@recyclerie.example.fr")
    assert email.sensitive and email.status == "sent"
    assert link.group(1) not in repr(OutboxEmail.objects.filter(pk=email.pk).values().get())

    client.force_login(staff)
    assert_no_key(outbox_pages(client, email), link.group(1))


# --- What staff may do to users ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_staff_group_holds_no_permission_that_takes_over_an_account():
    group = Group.objects.get(name=STAFF_GROUP)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert ("accounts", "view_user") in held  # staff look people up to help them...
    assert not {(app, codename) for app, codename in held if app in {"auth", "account"}}  # ...no group, permission
    assert not held & {("accounts", "add_user"), ("accounts", "change_user"), ("accounts", "delete_user")}
    assert not Permission.objects.filter(group=group, codename__in=["change_group", "change_permission"]).exists()


def _url_names(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _url_names(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield f"{prefix}{entry.pattern} {entry.name or ''}"


def test_there_is_no_log_in_as_someone_feature():
    routes = "\n".join(_url_names())
    assert "admin/" in routes
    assert not re.search(
        r"impersonat|hijack|login[_-]?as|log[_-]?in[_-]?as|su/|switch[_-]?user", routes, re.IGNORECASE
    )


@pytest.mark.django_db
def test_staff_see_a_user_but_cannot_set_a_password_or_change_rights(client, staff, superuser):
    member = UserFactory(email="zoe@exemple.fr")
    client.force_login(staff)

    page = client.get(reverse("admin:accounts_user_change", args=[superuser.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert superuser.email in content
    assert "password/" not in content and "md5" not in content.lower()  # no hash, no "Réinitialiser" button

    for target in (member, superuser):
        assert client.get(reverse("admin:auth_user_password_change", args=[target.pk])).status_code == 403
        response = client.post(
            reverse("admin:auth_user_password_change", args=[target.pk]),
            {"password1": "Pris-en-main-2024!", "password2": "Pris-en-main-2024!", "usable_password": "true"},
        )
        assert response.status_code == 403
        response = client.post(
            reverse("admin:accounts_user_change", args=[target.pk]),
            {"email": staff.email, "is_superuser": "on", "is_staff": "on", "is_active": "on"},
        )
        assert response.status_code == 403
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.post(reverse("admin:accounts_user_delete", args=[member.pk]), {"post": "yes"}).status_code == 403

    superuser.refresh_from_db()
    member.refresh_from_db()
    assert superuser.check_password(PASSWORD) and member.check_password(PASSWORD)
    assert superuser.email == "admin@demo.ess2024.fr" and not member.is_superuser
    assert not User.objects.get(pk=staff.pk).is_superuser


@pytest.mark.django_db
def test_even_given_change_user_staff_only_fix_names_of_ordinary_members(client, staff, superuser):
    """If a later need grants `change_user`, the admin still keeps the keys to an account out of staff's hands."""
    group = Group.objects.get(name=STAFF_GROUP)
    group.permissions.add(Permission.objects.get(content_type__app_label="accounts", codename="change_user"))
    member = UserFactory(email="zoe@exemple.fr", first_name="Zoe")
    admin_group = Group.objects.create(name="Tous les droits")
    client.force_login(staff)

    response = client.post(
        reverse("admin:accounts_user_change", args=[member.pk]),
        {
            "first_name": "Zoé",
            "last_name": member.last_name,
            "is_active": "on",
            "email": staff.email + ".pris",  # an address is the key to an account: ignored
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [admin_group.pk],
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Zoé"
    assert (member.email, member.is_staff, member.is_superuser) == ("zoe@exemple.fr", False, False)
    assert not member.groups.exists()
    assert client.get(reverse("admin:auth_user_password_change", args=[member.pk])).status_code == 403

    # A superuser's or another staff member's account stays a superuser's business.
    for target in (superuser, staff):
        response = client.post(
            reverse("admin:accounts_user_change", args=[target.pk]), {"first_name": "X", "is_active": ""}
        )
        assert response.status_code == 403
        target.refresh_from_db()
        assert target.is_active and target.first_name != "X"


@pytest.mark.django_db
def test_a_superuser_still_manages_passwords(client, superuser):
    member = UserFactory(email="zoe@exemple.fr")
    client.force_login(superuser)

    assert client.get(reverse("admin:auth_user_password_change", args=[member.pk])).status_code == 200
