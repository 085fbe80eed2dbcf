"""Buyers see, issue and revoke their organisation's API tokens in the admin (api/admin.py scopes them); Les Canaux
staff manage every organisation's."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BUYERS_GROUP = "Acheteurs"
STAFF_GROUP = "Équipe Les Canaux"
BUYER_CODENAMES = ["view_apitoken", "add_apitoken", "change_apitoken"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("api")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="api")
    buyers, _ = Group.objects.get_or_create(name=BUYERS_GROUP)
    buyers.permissions.add(*permissions.filter(codename__in=BUYER_CODENAMES))
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(*permissions.exclude(codename="delete_apitoken"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="api")
    for group in Group.objects.filter(name__in=[BUYERS_GROUP, STAFF_GROUP]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("tenders", "0003_buyer_and_staff_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
