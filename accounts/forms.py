"""Forms of the account pages.

allauth's forms, reworded in plain French (our own msgids, so `locale/en` translates them) and without placeholders
(a placeholder that repeats the label only adds noise, and disappears as soon as one types). Wired through
settings.ACCOUNT_FORMS.
"""

from allauth.account import forms as allauth_forms
from allauth.core import ratelimit
from django import forms
from django.utils.translation import gettext_lazy as _

EMAIL_LABEL = _("Adresse e-mail")
NEW_PASSWORD_HELP = _(
    "Au moins 10 caractères. Évitez un mot de passe courant, uniquement des chiffres ou proche de votre adresse."
)


def _reword(form: forms.Form, labels: dict, help_texts: dict | None = None) -> None:
    for name, field in form.fields.items():
        field.widget.attrs.pop("placeholder", None)
        if name in labels:
            field.label = labels[name]
        if help_texts is not None:
            field.help_text = help_texts.get(name, "")


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The "forgotten password" link is shown under the field by the template, not as the field's description.
        _reword(
            self,
            {"login": EMAIL_LABEL, "password": _("Mot de passe"), "remember": _("Rester connecté sur cet appareil")},
            help_texts={},
        )


class SignupForm(allauth_forms.SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _reword(
            self,
            {"email": EMAIL_LABEL, "password1": _("Mot de passe"), "password2": _("Mot de passe, une seconde fois")},
            help_texts={
                "email": _("Un lien de confirmation y sera envoyé."),
                "password1": NEW_PASSWORD_HELP,
            },
        )


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _reword(self, {"email": EMAIL_LABEL}, help_texts={})


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _reword(
            self,
            {"password1": _("Nouveau mot de passe"), "password2": _("Nouveau mot de passe, une seconde fois")},
            help_texts={"password1": NEW_PASSWORD_HELP},
        )


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _reword(
            self,
            {
                "oldpassword": _("Mot de passe actuel"),
                "password1": _("Nouveau mot de passe"),
                "password2": _("Nouveau mot de passe, une seconde fois"),
            },
            help_texts={"password1": NEW_PASSWORD_HELP},
        )


class SetPasswordForm(allauth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _reword(
            self,
            {"password1": _("Mot de passe"), "password2": _("Mot de passe, une seconde fois")},
            help_texts={"password1": NEW_PASSWORD_HELP},
        )


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _reword(self, {"email": _("Nouvelle adresse e-mail")}, help_texts={})


DELETE_FAILED_ACTION = "delete_account_failed"


class AccountDeleteForm(forms.Form):
    """Deleting one's account: the password again, so a forgotten open session cannot do it."""

    password = forms.CharField(
        label=_("Votre mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, request=None, **kwargs):
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        """Wrong passwords are rate-limited like the login's (ACCOUNT_RATE_LIMITS["delete_account_failed"], allauth's
        machinery): once the limit is reached, even the right password is refused until the period ends."""
        password = self.cleaned_data["password"]
        if self.request is not None and not ratelimit.consume(
            self.request, action=DELETE_FAILED_ACTION, user=self.user, dry_run=True
        ):
            raise forms.ValidationError(
                _(
                    "Trop de mots de passe erronés d'affilée : par sécurité, la suppression du compte est bloquée "
                    "pendant quelques minutes. Réessayez plus tard."
                ),
                code="rate_limited",
            )
        if not self.user.check_password(password):
            if self.request is not None:
                ratelimit.consume(self.request, action=DELETE_FAILED_ACTION, user=self.user)
            raise forms.ValidationError(
                _("Ce mot de passe n'est pas le bon. Saisissez celui que vous utilisez pour vous connecter."),
                code="wrong_password",
            )
        return password
