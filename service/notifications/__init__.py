"""Notifications of staff users: the in-app list (``inbox``) and e-mail through SMTP (``mail``)."""
