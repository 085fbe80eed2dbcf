from django.apps import AppConfig


class Ess2024Config(AppConfig):
    name = "ess2024"
    verbose_name = "ESS 2024"

    def ready(self):
        # The public lists' cached fragments are invalidated by writes, in every process (issue 13).
        from ess2024 import fragment_cache

        fragment_cache.connect()
