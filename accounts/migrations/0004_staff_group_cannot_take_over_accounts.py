"""The Les Canaux staff group helps users; it does not become them (security issue, part 1).

Take from the group every permission that lets a member take over an account or grant themselves more: the
`auth` app's (groups, permissions), allauth's email addresses (an address added to someone's account, then
"mot de passe oublié"), and adding, changing or deleting users. Staff keep `view_user`. Idempotent; run
again by a later migration if an app ever grants one of these.
"""

from django.db import migrations
from django.db.models import Q

STAFF_GROUP = "Équipe Les Canaux"
FORBIDDEN = Q(content_type__app_label__in=["auth", "account"]) | Q(
    content_type__app_label="accounts", codename__in=["add_user", "change_user", "delete_user"]
)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=STAFF_GROUP):
        group.permissions.remove(*Permission.objects.filter(FORBIDDEN))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_staff_group_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
