"""Who may use shortlists: small pure functions of the user, tested directly."""

from tenders.perms import is_buyer, is_platform_staff


def can_use_shortlists(user) -> bool:
    """Buyers (their organisation's lists) and Les Canaux staff (the staff's lists); nobody else."""
    return is_platform_staff(user) or is_buyer(user)
