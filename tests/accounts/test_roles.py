"""Roles: the Les Canaux staff group from the data migration, and the pure permission functions."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from accounts.models import STAFF_GROUP
from accounts.perms import can_use_admin, is_platform_staff
from tests.accounts.factories import UserFactory


@pytest.mark.django_db
def test_staff_group_exists_with_its_permission_after_migrations():
    group = Group.objects.get(name=STAFF_GROUP)

    assert group.permissions.filter(content_type__app_label="accounts", codename="view_user").exists()


def test_anonymous_visitor_is_not_staff():
    assert not is_platform_staff(AnonymousUser())
    assert not is_platform_staff(None)
    assert not can_use_admin(AnonymousUser())


@pytest.mark.django_db
def test_plain_user_is_not_staff():
    user = UserFactory()

    assert not is_platform_staff(user)
    assert not can_use_admin(user)


@pytest.mark.django_db
def test_member_of_the_staff_group_is_staff():
    user = UserFactory(platform_staff=True)

    assert is_platform_staff(user)
    assert can_use_admin(user)


@pytest.mark.django_db
def test_superuser_is_staff_without_the_group():
    assert is_platform_staff(UserFactory(is_superuser=True, is_staff=True))


@pytest.mark.django_db
def test_deactivated_staff_member_is_no_longer_staff():
    user = UserFactory(platform_staff=True, is_active=False)

    assert not is_platform_staff(user)
    assert not can_use_admin(user)
