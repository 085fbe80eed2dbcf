"""Who may see what on the public directory. Pure functions of the user, tested directly.

Which structures are listed (`directory_structures`): verified ones that are not archived. A pending structure is
not in the directory nor in buyers' exports until Les Canaux staff verify it, but it is still matched with tenders
and may use alerts, interest, questions and meet-ups; a rejected one is visible to its members only (their space).
"""


def is_buyer(user) -> bool:
    """A signed-in user who belongs to a buyer organisation (`tenders.models.BuyerMembership`)."""
    if not user.is_authenticated:
        return False
    # The reverse one-to-one raises when the row does not exist; a found row is cached on the user.
    return hasattr(user, "buyer_membership")


def can_see_contact(user) -> bool:
    """Contact details (name, e-mail, phone, address) are for signed-in buyers and Les Canaux staff only."""
    if not user.is_authenticated:
        return False
    return user.is_platform_staff or is_buyer(user)


def can_export(user) -> bool:
    """The CSV export carries contact details: same audience."""
    return can_see_contact(user)


def can_import(user) -> bool:
    """Bulk imports of structures are a Les Canaux staff tool."""
    return user.is_authenticated and user.is_platform_staff


def directory_structures():
    """The structures the public directory and the buyers' CSV export list: verified and not archived."""
    from structures.models import Structure

    return Structure.objects.listed().verified()
