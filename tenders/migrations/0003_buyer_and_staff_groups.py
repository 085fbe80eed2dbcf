"""The buyers' role: a group `Acheteurs` with the model permissions the buyers' admin panel needs.

The admin further restricts every queryset, choice and action to the buyer's own organisation (tenders/admin.py);
these permissions only open the doors. Les Canaux staff get every permission of the app (they create buyer
organisations and invite buyers).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BUYERS_GROUP = "Acheteurs"
STAFF_GROUP = "Équipe Les Canaux"
BUYER_CODENAMES = [
    *(f"{action}_tender" for action in ("view", "add", "change", "delete")),
    *(f"{action}_lot" for action in ("view", "add", "change", "delete")),
    *(f"{action}_tenderdocument" for action in ("view", "add", "change", "delete")),
    "view_question",
    "change_question",
    "view_interest",
    "view_award",
    "add_award",
    "change_award",
]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate): create them now to grant them.
    app_config = apps.get_app_config("tenders")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    buyers, _ = Group.objects.get_or_create(name=BUYERS_GROUP)
    buyers.permissions.add(
        *Permission.objects.filter(content_type__app_label="tenders", codename__in=BUYER_CODENAMES)
    )
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(*Permission.objects.filter(content_type__app_label="tenders"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name=BUYERS_GROUP).delete()
    for staff in Group.objects.filter(name=STAFF_GROUP):
        staff.permissions.remove(*Permission.objects.filter(content_type__app_label="tenders"))


class Migration(migrations.Migration):
    dependencies = [
        ("tenders", "0002_cpv_code_validation"),
        ("accounts", "0002_staff_group"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
