#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Commands (worker, sweeper, seeding, migrations) get their own statement timeout; the
    # development server serves requests and gets the web one (config/settings.py).
    if sys.argv[1:2] != ["runserver"]:
        os.environ.setdefault("PACKDESK_PROCESS", "command")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
