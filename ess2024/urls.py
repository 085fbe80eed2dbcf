"""The URL map the whole product shares. French paths, English names in code; French has no prefix."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from backoffice import views as backoffice_views
from ess2024 import views
from ess2024.health import health

urlpatterns = [
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    # Not translated: probes (Docker HEALTHCHECK, docker-compose, a load balancer) call one fixed address.
    path("sante/", health, name="health"),
    # The open API is not translated: one address per resource, whatever the language (issue 14).
    path("api/", include("api.urls")),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("contact/", views.contact, name="contact"),
    path("compte/", include("allauth.urls")),
    path("espace/", accounts_views.dashboard, name="dashboard"),
    path("espace/structure/sites/", include("geo.urls")),  # before structures_space: "sites" is not a slug there
    path("espace/structure/", include("structures.urls_space")),
    path("espace/equipe/", include("backoffice.urls")),
    path("espace/historique/", backoffice_views.buyer_history, name="buyer_history"),
    path("espace/", include("accounts.urls")),
    path("structures/", include("structures.urls")),
    path("appels-d-offres/", include("tenders.urls")),
    path("alertes/", include("matching.urls")),
    path("rencontres/", include("meetups.urls")),
    path("charte/", include("charter.urls")),
    path("listes/", include("shortlists.urls")),
    # The admin's own login page is replaced by allauth's (rate-limited, email verification enforced).
    path("admin/login/", views.admin_login_redirect),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# Django's own 400s (a suspicious request) in the site's layout; 403s use templates/403.html.
handler400 = "ess2024.views.bad_request"

# Development only (settings_dev): the emails `make run` caught (ess2024/devmail.py); never in production settings.
if settings.DEVMAIL_DIR:
    urlpatterns += [path("dev/courriels/", include("ess2024.devmail"))]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
