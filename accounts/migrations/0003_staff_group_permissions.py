"""Give the Les Canaux staff group its accounts permissions, robustly.

0002 created the group, but on a fresh database permissions are only created after `migrate` (post_migrate), so
the permissions it asked for did not exist yet. Create them here first, then grant them. Later apps do the same in
their own migrations (see outbox/migrations/0002_staff_permissions.py).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF_GROUP = "Équipe Les Canaux"
CODENAMES = ["view_user"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="accounts", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=STAFF_GROUP):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="accounts", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_staff_group"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
