#!/usr/bin/env python
import os
import sys


def main():
    # Production settings by default: DEBUG off and every safety on. `make run` and the tests pick their own.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess2024.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
