"""Fixtures of the API tests: a DRF client, a buyer organisation's token (issued through the service)."""

import importlib

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from api import services
from api.models import ApiToken
from tests.tenders.factories import BuyerMembershipFactory
from tests.tenders.helpers import ensure_reference_data


def ensure_token_permissions() -> None:
    """The api app's permissions for the buyers' and staff groups (api migration 0002), put back after a flush."""
    ensure_reference_data()
    importlib.import_module("api.migrations.0002_token_permissions").grant(apps, None)


@pytest.fixture
def reference_data(db):
    ensure_token_permissions()


@pytest.fixture
def client_api():
    return APIClient()


@pytest.fixture
def buyer(reference_data):
    return BuyerMembershipFactory(organisation__name="Ville de Saint-Denis")


@pytest.fixture
def token_key(buyer):
    """The key of an active token of the buyer's organisation."""
    return services.token_issue(token=ApiToken(organisation=buyer.organisation, name="Tableau de bord"), by=buyer.user)


def issue(organisation, name="Jeton", by=None) -> tuple[ApiToken, str]:
    token = ApiToken(organisation=organisation, name=name)
    key = services.token_issue(token=token, by=by)
    return token, key
