"""``abcrnn serve``: the compose app (its routes, request forms and their limits, compose jobs, the
SQLite tune book and its exports). Its pages are templates in ``pages/static``, beside the offline pages."""
