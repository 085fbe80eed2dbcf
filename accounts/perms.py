"""Who may do what, as small pure functions (no query beyond the user's own groups), tested directly."""


def is_platform_staff(user) -> bool:
    """Les Canaux staff: an active, signed-in member of STAFF_GROUP, or a superuser."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_platform_staff)


def can_use_admin(user) -> bool:
    """The Django admin is for Les Canaux staff and for buyers' accounts marked is_staff."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)
