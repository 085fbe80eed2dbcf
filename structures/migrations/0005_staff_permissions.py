"""Give the Les Canaux staff group what it needs to run structures in the admin.

Buyers are `is_staff` too (they use the admin for their own tenders) but are not in this group, so they get
none of these permissions. Permissions are created first: in a fresh database `migrate` only creates them
after the last migration (post_migrate), too late for this one.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF_GROUP = "Équipe Les Canaux"

PERMISSIONS = {
    "structure": ["view", "change"],
    "structuretoverify": ["view", "change"],
    "topic": ["view", "add", "change", "delete"],
    "sector": ["view", "add", "change", "delete"],
    "area": ["view", "add", "change", "delete"],
    "membership": ["view", "change"],
    "invitation": ["view"],
    "joinrequest": ["view", "change"],
    "importjob": ["view", "add", "change"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("structures")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="structures", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=STAFF_GROUP).first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(content_type__app_label="structures"))


class Migration(migrations.Migration):
    dependencies = [
        ("structures", "0004_structure_to_verify_queue"),
        ("accounts", "0002_staff_group"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
