from django.apps import AppConfig


class Ess2024Config(AppConfig):
    name = "ess2024"
    verbose_name = "ESS 2024"
