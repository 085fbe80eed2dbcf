"""The world of the access matrix (tests/security/test_access_matrix.py): one object of each kind, owned by
structure A or buyer organisation X, so that B and Y are the other tenant of every row. Built once per module."""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import STAFF_GROUP, User
from api.models import ApiToken
from charter.models import AwardImport
from matching.models import DeadlineReminder, Digest, Notification, TenderDispatch
from matching.preferences import unsubscribe_token
from meetups import calendar as meetups_calendar
from outbox.models import OutboxEmail
from shortlists.models import Shortlist, ShortlistEntry
from structures.models import Area, ImportJob, Invitation, JoinRequest, Label, Membership, Sector, Topic
from structures.services import proofs
from structures.services.invitations import invitation_token
from tenders.models import BuyerAccessRequest, Interest, PartnerMessage, Question
from tenders.services.documents import document_add
from tests.accounts.factories import UserFactory
from tests.charter.factories import AwardFactory
from tests.matching.factories import NotificationPreferenceFactory, SavedSearchFactory
from tests.meetups.factories import MeetupFactory, RegistrationFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, LotFactory, TenderFactory
from tests.tenders.helpers import PDF_BYTES, ensure_reference_data, upload


def build_world() -> dict:
    ensure_reference_data()
    now = timezone.now()
    topic = Topic.objects.order_by("position").first()
    area = Area.objects.get(code="75")

    member_a = MembershipFactory(structure__verified=True, structure__name="Structure Alpha")
    member_b = MembershipFactory(structure__verified=True, structure__name="Structure Bêta")
    structure_a, structure_b = member_a.structure, member_b.structure
    pending = StructureFactory(name="Structure en attente")
    buyer_x = BuyerMembershipFactory(organisation__name="Organisation X")
    buyer_y = BuyerMembershipFactory(organisation__name="Organisation Y")
    staff = UserFactory(platform_staff=True)
    superuser = User.objects.create_superuser(email="racine@exemple.fr", password="motdepasse-de-test-42")  # noqa: S106
    EmailAddress.objects.create(user=superuser, email=superuser.email, verified=True, primary=True)

    tender_x = TenderFactory(
        buyer=buyer_x.organisation, published=True, title="Marché de X", topics=[topic], places=[area]
    )
    LotFactory(tender=tender_x, number=1)
    document_x = document_add(tender=tender_x, file=upload("cctp.pdf", PDF_BYTES), title="CCTP")
    question_x = Question.objects.create(tender=tender_x, structure=structure_a, text="Quel délai ?")
    interest_x = Interest.objects.create(tender=tender_x, structure=structure_a, answer=Interest.Answer.INTERESTED)
    award_x = AwardFactory(buyer=buyer_x.organisation)
    message_ab = PartnerMessage.objects.create(
        tender=tender_x, sender=structure_a, sender_user=member_a.user, recipient=structure_b, body="Groupement ?"
    )

    candidate = UserFactory(email="candidate@exemple.fr")
    join_request_a = JoinRequest.objects.create(structure=structure_a, user=candidate, message="Bonjour")
    invitation_a = Invitation.objects.create(
        structure=structure_a,
        email="invitee@exemple.fr",
        invited_by=member_a.user,
        expires_at=now + datetime.timedelta(days=7),
    )
    colleague_a = MembershipFactory(structure=structure_a, role=Membership.Role.MEMBER)
    import_job = ImportJob.objects.create(file="imports/structures.csv", file_sha256="0" * 64, uploaded_by=staff)

    meetup = MeetupFactory(buyers=[buyer_x.organisation], topics=[topic], title="Rencontre de printemps")
    registration_a = RegistrationFactory(meetup=meetup, structure=structure_a)

    NotificationPreferenceFactory(user=member_a.user)
    saved_search_a = SavedSearchFactory(user=member_a.user)
    outbox_email = OutboxEmail.objects.create(
        to=member_a.user.email, from_email="ne-pas-repondre@exemple.fr", subject="Bonjour", body_text="Bonjour."
    )
    notification = Notification.objects.create(
        tender=tender_x, user=member_a.user, structure=structure_a, source=Notification.Source.MATCH
    )
    dispatch = TenderDispatch.objects.create(tender=tender_x)
    digest = Digest.objects.create(user=member_a.user, frequency="daily", window="2024-03-01")
    reminder = DeadlineReminder.objects.create(tender=tender_x, user=member_a.user, structure=structure_a)
    award_import_x = AwardImport.objects.create(
        buyer=buyer_x.organisation, uploaded_by=buyer_x.user, filename="attributions.csv"
    )
    access_request = BuyerAccessRequest.objects.create(
        organisation_name="Mairie de Bobigny",
        siret="21930008800013",
        full_name="Jeanne Dupont",
        role="Acheteuse",
        email="jeanne.dupont@exemple.fr",
    )

    participant_a = meetups_calendar.participant_for_user(meetup, member_a.user)[0]
    return {
        "users": {
            "anonymous": None,
            "member_a": member_a.user,
            "member_b": member_b.user,
            "buyer_x": buyer_x.user,
            "buyer_y": buyer_y.user,
            "staff": staff,
            "superuser": superuser,
        },
        "structure_a": structure_a,
        "structure_b": structure_b,
        "offer_a": proofs.offer_save(
            structure=structure_a, by=member_a.user, title="Offre de A", description="Texte."
        ),
        "label_a": proofs.label_save(
            structure=structure_a,
            by=member_a.user,
            label=Label.objects.get_or_create(slug="qualiopi", defaults={"name": "Qualiopi"})[0],
            document=SimpleUploadedFile("attestation.pdf", PDF_BYTES),
        ),
        "pending": pending,
        "membership_a": member_a,
        "colleague_a": colleague_a,
        "invitation_a": invitation_a,
        "invitation_token": invitation_token(invitation_a),
        "join_request_a": join_request_a,
        "import_job": import_job,
        "organisation_x": buyer_x.organisation,
        "buyer_membership_x": buyer_x,
        "tender_x": tender_x,
        "document_x": document_x,
        "question_x": question_x,
        "interest_x": interest_x,
        "award_x": award_x,
        "award_import_x": award_import_x,
        "message_ab": message_ab,
        "meetup": meetup,
        "registration_a": registration_a,
        "feed_token_a": meetups_calendar.feed_token(meetup, participant_a),
        "badge_token_a": meetups_calendar.badge_token(meetup, participant_a),
        "saved_search_a": saved_search_a,
        "api_token_x": ApiToken.objects.create(
            organisation=buyer_x.organisation, name="Jeton de X", prefix="ess_abcdef", key_hash="0" * 64
        ),
        "shortlist_entry_x": ShortlistEntry.objects.create(
            shortlist=Shortlist.objects.create(name="Liste de X", organisation=buyer_x.organisation),
            structure=structure_a,
        ),
        "unsubscribe_token_a": unsubscribe_token(member_a.user),
        "outbox_email": outbox_email,
        "notification": notification,
        "dispatch": dispatch,
        "digest": digest,
        "reminder": reminder,
        "access_request": access_request,
        "preference_a": member_a.user.notification_preference,
        "email_address_a": EmailAddress.objects.get(user=member_a.user),
        "staff_group": Group.objects.get(name=STAFF_GROUP),
        "topic": topic,
        "sector": Sector.objects.order_by("pk").first(),
        "area": area,
        "user_a": member_a.user,
        "structure_ct": ContentType.objects.get_for_model(structure_a),
    }
