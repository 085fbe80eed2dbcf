"""Les Canaux staff organise meet-ups: they manage meet-ups, registrations, requests and the schedule in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF_GROUP = "Équipe Les Canaux"
MODELS = ["meetup", "registration", "meetingrequest", "meeting"]
CODENAMES = [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change", "delete")]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate): create them now to grant them.
    app_config = apps.get_app_config("meetups")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="meetups", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=STAFF_GROUP):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="meetups", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("meetups", "0001_initial"),
        ("accounts", "0002_staff_group"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
