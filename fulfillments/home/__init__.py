"""The home page: the fulfilment backlog, keeping-up charts and webhook health at a glance."""
