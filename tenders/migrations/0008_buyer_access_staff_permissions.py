"""Les Canaux staff decide buyer account requests: give their group the permissions of BuyerAccessRequest.

As in accounts/migrations/0003: permissions are created here first (on a fresh database they only appear after
`migrate`'s post_migrate signal), then granted.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF_GROUP = "Équipe Les Canaux"
CODENAMES = ["view_buyeraccessrequest", "change_buyeraccessrequest"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("tenders")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="tenders", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=STAFF_GROUP):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="tenders", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("tenders", "0007_tender_amendments"),
        ("accounts", "0003_staff_group_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
